/**
 * Price model for the simulator: per market a GARCH(1,1) random walk (volatility clusters) with occasional jumps,
 * plus scripted scenarios. Pure and seeded, so it is unit-testable.
 */
export type Scenario = 'crash' | 'spike' | 'volsurge' | 'calm';

export function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createMarketModel(seed: number, startPrices: number[], opts = { baseVol: 0.0003, alpha: 0.08, beta: 0.9, jumpProb: 0.004 }) {
  const rand = mulberry32(seed);
  const gauss = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const omega = opts.baseVol ** 2 * (1 - opts.alpha - opts.beta);
  const prices = [...startPrices];
  const variance = startPrices.map(() => opts.baseVol ** 2);
  const lastReturn = startPrices.map(() => 0);
  /** Scripted log returns per market, consumed one per step before the random walk resumes. */
  let queue: number[][] = [];
  let volBoost = 1;
  let volBoostSteps = 0;

  function trigger(s: Scenario) {
    if (s === 'crash') queue = Array.from({ length: 4 }, () => startPrices.map(() => Math.log(0.6) / 4)); // -40% over 4 steps
    if (s === 'spike') queue = Array.from({ length: 3 }, () => startPrices.map(() => Math.log(1.3) / 3)); // +30%
    if (s === 'volsurge') {
      volBoost = 5;
      volBoostSteps = 60;
    }
    if (s === 'calm') {
      queue = [];
      volBoost = 1;
      volBoostSteps = 0;
    }
  }

  function step(): number[] {
    const scripted = queue.shift();
    for (let i = 0; i < prices.length; i++) {
      let r: number;
      if (scripted) {
        r = scripted[i];
      } else {
        variance[i] = omega + opts.alpha * lastReturn[i] ** 2 + opts.beta * variance[i];
        r = Math.sqrt(variance[i]) * volBoost * gauss();
        if (rand() < opts.jumpProb) r += (rand() < 0.5 ? -1 : 1) * (0.01 + rand() * 0.02);
      }
      lastReturn[i] = r;
      prices[i] = Math.max(prices[i] * Math.exp(r), 1e-6);
    }
    if (volBoostSteps > 0 && --volBoostSteps === 0) volBoost = 1;
    return [...prices];
  }

  return { step, trigger, rand, pending: () => queue, prices: () => [...prices] };
}
