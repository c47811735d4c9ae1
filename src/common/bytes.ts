export const KiB = 1024;
export const MiB = 1024 * KiB;

/** A size as people read it in Slack ("340 KB", "1.5 MB"), in the same 1024-based units Slack shows. */
export function formatBytes(bytes: number): string {
  if (bytes < KiB) return `${bytes} B`;
  if (bytes < MiB) return `${round(bytes / KiB)} KB`;
  return `${round(bytes / MiB)} MB`;
}

function round(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}
