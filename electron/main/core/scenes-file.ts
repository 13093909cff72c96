// The Studio's scenes on disk, in the app's data folder: one JSON file, written whole to a temporary file and renamed
// over the old one (a crash mid-write leaves the previous scenes, never half a file). Saves run one after another.
// Main checks only the envelope (a JSON object with a format version); the renderer's engine reads the rest.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The file's name in the app's data folder. */
export const SCENES_FILE = 'studio-scenes.json';

export class ScenesFileError extends Error {
  constructor(
    readonly code: 'scenes_not_json' | 'scenes_unreadable',
    message: string,
  ) {
    super(message);
  }
}

export class ScenesFile {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  async load(): Promise<string | null> {
    await this.writing;
    try {
      return await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ScenesFileError('scenes_unreadable', 'The saved scenes could not be read from the disk.');
    }
  }

  save(json: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = null;
    }
    const v = (parsed as { version?: unknown } | null)?.version;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Number.isInteger(v))
      return Promise.reject(new ScenesFileError('scenes_not_json', 'The scenes to save are not a versioned JSON document.'));
    const run = this.writing.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, json, { encoding: 'utf8', mode: 0o600 });
      await rename(tmp, this.file);
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}
