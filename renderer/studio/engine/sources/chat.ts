// The channel's own chat as a layer: the last few lines, drawn natively (no browser source, no web page). The lines
// come from a callback, so the Studio feeds it from its chat socket and tests feed it whatever they like.
import { drawCropped, type Drawable } from './drawable.js';

export interface ChatLine {
  author: string;
  text: string;
}

const WIDTH = 640;
const LINE = 36;
const PAD = 12;

export function chatSource(lines: () => readonly ChatLine[], max: number): Drawable {
  const height = max * LINE + 2 * PAD;
  const canvas = new OffscreenCanvas(WIDTH, height);
  const ctx = canvas.getContext('2d')!;
  let drawn: readonly ChatLine[] | null = null;
  const render = (all: readonly ChatLine[]) => {
    const shown = all.slice(-max);
    ctx.clearRect(0, 0, WIDTH, height);
    if (!shown.length) return;
    ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
    const top = height - shown.length * LINE - 2 * PAD;
    ctx.fillRect(0, top, WIDTH, height - top);
    ctx.font = '600 22px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    shown.forEach((l, i) => {
      const y = top + PAD + i * LINE + LINE / 2;
      const name = `${l.author}: `;
      ctx.fillStyle = '#ffd166';
      ctx.fillText(name, PAD, y);
      const nw = ctx.measureText(name).width;
      ctx.fillStyle = '#ffffff';
      ctx.fillText(l.text, PAD + nw, y, WIDTH - 2 * PAD - nw);
    });
  };
  return {
    status: { state: 'ready' },
    draw(target, crop, dst) {
      const now = lines();
      // Redrawn only when the list changed (the feed hands out a new array per message).
      if (now !== drawn) {
        render(now);
        drawn = now;
      }
      drawCropped(target, canvas, WIDTH, height, crop, dst);
    },
    close() {},
  };
}
