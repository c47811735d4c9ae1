import { extname } from 'node:path';

/** File names stay well under the 255-byte limit of common file systems, with room for `-10`. */
const MAX_FILE_NAME_BYTES = 120;

/**
 * Safe, distinct file names for one folder: the last segment of the Slack name, letters, digits and a
 * little punctuation only, no leading dot, at most MAX_FILE_NAME_BYTES; a repeat gets `-2`, `-3`, …
 * Case-insensitively distinct, for the file systems that are.
 */
export class UniqueNames {
  private readonly taken = new Set<string>();

  take(name: string, fallback: string): string {
    const safe = safeFileName(name) || safeFileName(fallback) || 'file';
    const extension = extname(safe);
    const stem = safe.slice(0, safe.length - extension.length);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? safe : `${stem}-${n}${extension}`;
      if (!this.taken.has(candidate.toLowerCase())) {
        this.taken.add(candidate.toLowerCase());
        return candidate;
      }
    }
  }
}

function safeFileName(name: string): string {
  const last = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = last
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .replace(/^[.\s_-]+/, '')
    .trim();
  return fitBytes(cleaned, MAX_FILE_NAME_BYTES);
}

/** Cuts the stem, not the extension, so that a long name keeps what tells the CLI how to read it. */
function fitBytes(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const rawExtension = extname(name);
  const extension = Buffer.byteLength(rawExtension) <= 16 ? rawExtension : '';
  let stem = name.slice(0, name.length - rawExtension.length);
  while (Buffer.byteLength(stem + extension) > maxBytes) stem = [...stem].slice(0, -1).join('');
  return stem + extension;
}
