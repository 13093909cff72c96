/** A copy of a WebCodecs buffer source (ArrayBuffer, SharedArrayBuffer or a view) as a Uint8Array of its own. */
export function copyBytes(src: AllowSharedBufferSource): Uint8Array {
  const view = ArrayBuffer.isView(src) ? new Uint8Array(src.buffer, src.byteOffset, src.byteLength) : new Uint8Array(src);
  return view.slice();
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
