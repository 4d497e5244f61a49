/** Bench baseline: a page with nothing but the shared layout (wallet providers and connect button). */
export default function BarePage() {
  return <p className="text-sm text-zinc-400">Counterpool</p>;
}
