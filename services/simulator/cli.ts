/** `npm run scenario -- <crash|spike|volsurge|bankrun|calm>`: triggers a scenario on the running simulator. */
export {};
import { DEFAULTS } from '../../lib/config';

const scenario = process.argv[2];
const port = Number(process.env.SIM_PORT ?? DEFAULTS.ports.simulator);
if (!scenario) {
  console.error('usage: npm run scenario -- <crash|spike|volsurge|bankrun|calm>');
  process.exit(2);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}/scenario`, { method: 'POST', body: JSON.stringify({ name: scenario }) });
  console.log(res.status, await res.text());
  process.exit(res.ok ? 0 : 1);
} catch (e) {
  console.error(`simulator not reachable on :${port} (${(e as Error).message}); is \`npm start\` running?`);
  process.exit(1);
}
