/** Memory sizes of the two notations the chart compares, in bytes. */

const KUBERNETES_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};
const REDIS_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 2 ** 10,
  m: 1e6,
  mb: 2 ** 20,
  g: 1e9,
  gb: 2 ** 30,
};

function bytes(text: string, pattern: RegExp, units: Record<string, number>): number {
  const match = pattern.exec(text);
  const unit = units[match?.[2] ?? ''];
  if (!match || unit === undefined) throw new Error(`not a memory size: ${text}`);
  return Number(match[1]) * unit;
}

/** A Kubernetes quantity such as 512Mi, 2G or 536870912. */
export function kubernetesBytes(quantity: string | number): number {
  return bytes(String(quantity), /^([0-9.]+)([A-Za-z]*)$/, KUBERNETES_UNITS);
}

/** A redis.conf size such as 400mb (MiB) or 400m (10^6 bytes). */
export function redisBytes(size: string): number {
  return bytes(size.toLowerCase(), /^([0-9]+)([a-z]*)$/, REDIS_UNITS);
}
