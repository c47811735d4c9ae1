import { splitMarkdown } from './message-splitter';

const paragraph = (n: number, length = 300): string => `Paragraph ${n}. ${'word '.repeat(length / 5)}`.trim();

function fencesBalanced(part: string): boolean {
  return (part.match(/^\s*```/gm) ?? []).length % 2 === 0;
}

describe('splitMarkdown', () => {
  it('keeps a short answer whole', () => {
    expect(splitMarkdown('# Title\n\nShort answer.', 1000)).toEqual(['# Title\n\nShort answer.']);
  });

  it('cuts between paragraphs and loses nothing', () => {
    const text = Array.from({ length: 20 }, (_, i) => paragraph(i)).join('\n\n');
    const parts = splitMarkdown(text, 1000);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(1000);
      expect(part.startsWith('Paragraph')).toBe(true);
    }
    expect(parts.join('\n\n').replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
  });

  it('closes a code fence cut in two and reopens it with its language', () => {
    const code = Array.from({ length: 80 }, (_, i) => `  const line${i} = ${i};`).join('\n');
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    const parts = splitMarkdown(text, 800);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(800);
      expect(fencesBalanced(part)).toBe(true);
    }
    expect(parts[1].startsWith('```ts\n')).toBe(true);
    const lines = parts
      .join('\n')
      .split('\n')
      .filter((line) => line.includes('const line'));
    expect(lines).toHaveLength(80);
    expect(parts.at(-1)).toContain('That is all.');
  });

  it('cuts a single line longer than a part', () => {
    const parts = splitMarkdown('x'.repeat(2500), 1000);
    expect(parts.every((part) => part.length <= 1000)).toBe(true);
    expect(parts.join('')).toBe('x'.repeat(2500));
  });
});
