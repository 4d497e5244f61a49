import { handle } from '@/lib/api/http';
import { openApiDocument } from '@/lib/api/openapi';

export const dynamic = 'force-static';

/** GET /api/openapi.json: the API's OpenAPI 3.1 document, generated from the handlers' zod schemas. */
export const GET = () => handle(async () => openApiDocument(), { maxAgeSec: 300 });
