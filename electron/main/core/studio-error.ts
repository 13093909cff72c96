// A refusal of the Studio's main process in plain words, with a code the window and control clients can act on
// (studio-core.ts turns it into the IPC answer's error).
export class StudioError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
