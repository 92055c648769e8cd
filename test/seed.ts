import { env } from "cloudflare:workers";

/**
 * fast-check parameters with a seed: FC_SEED reproduces a run (`FC_SEED=123 npm test`); the seed
 * is printed either way, so a failure in CI can be replayed.
 */
export function seeded(name: string): { seed: number } {
  const seed = env.FC_SEED ? Number(env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`fast-check seed for "${name}": ${seed} (FC_SEED=${seed} reproduces it)`);
  return { seed };
}
