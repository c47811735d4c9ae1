const FENCE = /^\s*(```|~~~)/;

/**
 * Splits Markdown into parts of at most `limit` characters, preferring paragraph breaks, then line
 * breaks, and never leaving a code fence open: a fence cut in two is closed and reopened with its
 * language, so every part renders on its own.
 */
export function splitMarkdown(text: string, limit: number): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let currentLength = 0;
  let openFence: string | undefined;

  const flush = (): void => {
    if (current.length === 0) return;
    const body = current.join('\n');
    parts.push(openFence === undefined ? body : `${body}\n${fenceMarker(openFence)}`);
    current = openFence === undefined ? [] : [openFence];
    currentLength = openFence === undefined ? 0 : openFence.length;
  };

  const reserve = (): number => (openFence === undefined ? 0 : fenceMarker(openFence).length + 1);

  for (const line of expandLongLines(text.split('\n'), limit - 16)) {
    const added = (current.length === 0 ? 0 : 1) + line.length;
    const closing = FENCE.test(line) && openFence !== undefined;
    const needed = closing ? added : added + reserve();
    if (currentLength + needed > limit) {
      flush();
    } else if (line.trim() === '' && openFence === undefined && currentLength > limit * 0.8) {
      // A paragraph break near the limit is a better cut than a line in the middle of the next one.
      flush();
      continue;
    }
    current.push(line);
    currentLength += (current.length === 1 ? 0 : 1) + line.length;
    if (FENCE.test(line)) openFence = openFence === undefined ? line.trim() : undefined;
  }
  const tail = current.join('\n');
  if (tail.trim() !== '' && !(openFence !== undefined && current.length === 1)) parts.push(tail);
  return parts.map((part) => part.replace(/^\n+|\n+$/g, '')).filter((part) => part.trim() !== '');
}

function fenceMarker(openingLine: string): string {
  return openingLine.startsWith('~~~') ? '~~~' : '```';
}

/** Lines longer than a part are cut at spaces where possible, so that no part exceeds the limit. */
function expandLongLines(lines: string[], max: number): string[] {
  return lines.flatMap((line) => {
    const pieces: string[] = [];
    let rest = line;
    while (rest.length > max) {
      const space = rest.lastIndexOf(' ', max);
      const cut = space > max / 2 ? space : max;
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut).replace(/^ /, '');
    }
    pieces.push(rest);
    return pieces;
  });
}
