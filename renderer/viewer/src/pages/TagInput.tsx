// The channel's tags as chips: each chip is a tag exactly as the server will save it (server/api/tag-rules.ts), so
// nothing is split or changed behind the person's back. A comma or Enter makes a chip; text still in the field is
// shown as a dashed chip ("will be added") and is saved with the others.
import { useId, useState, type KeyboardEvent } from 'react';
import { checkTag, checkTags, splitTagText, TAG_LIMITS } from '../../../shared/contracts.js';

export interface TagDraft {
  /** Tags made into chips, as they will be saved. */
  tags: string[];
  /** What is still being typed. */
  text: string;
}

/** The tags a save sends: the chips and whatever is still typed, checked as the server checks them. */
export function tagsToSave(draft: TagDraft): { ok: true; tags: string[] } | { ok: false; message: string } {
  return checkTags([...draft.tags, ...splitTagText(draft.text)]);
}

/** Moves every typed piece that is a valid tag into the chips; pieces with a problem stay typed, with the problem. */
function commit(draft: TagDraft, pieces: string[], rest: string): { draft: TagDraft; problem: string | null } {
  const tags = [...draft.tags];
  const kept: string[] = [];
  let problem: string | null = null;
  for (const piece of pieces) {
    const c = checkTag(piece);
    if (!c.ok) {
      problem ??= c.message;
      kept.push(piece);
    } else if (!tags.includes(c.tag)) {
      if (tags.length >= TAG_LIMITS.maxTags) {
        problem ??= `A channel can have at most ${TAG_LIMITS.maxTags} tags.`;
        kept.push(piece);
      } else tags.push(c.tag);
    }
  }
  return { draft: { tags, text: [...kept, rest].filter(Boolean).join(', ') }, problem };
}

export function TagInput({ value, onChange }: { value: TagDraft; onChange(d: TagDraft): void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const hintId = useId();
  const typed = splitTagText(value.text).map((piece) => ({ piece, check: checkTag(piece) }));
  const typedProblem = typed.map((t) => t.check).find((c): c is { ok: false; message: string } => !c.ok);
  const shownProblem = problem ?? typedProblem?.message ?? null;

  const apply = (r: { draft: TagDraft; problem: string | null }) => {
    setProblem(r.problem);
    onChange(r.draft);
  };
  const onText = (text: string) => {
    // A comma or line break ends a tag (a pasted list too); spaces never do: "chill vibes" is one tag.
    const parts = text.split(/[,\n\r]/);
    if (parts.length === 1) {
      setProblem(null);
      return onChange({ ...value, text });
    }
    const rest = parts.pop() ?? '';
    apply(commit(value, splitTagText(parts.join(',')), rest));
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && value.text.trim()) {
      // Enter in a filled tag field makes the chip; with the field empty it submits the form as usual.
      e.preventDefault();
      apply(commit(value, splitTagText(value.text), ''));
    } else if (e.key === 'Backspace' && !value.text && value.tags.length > 0) {
      onChange({ ...value, tags: value.tags.slice(0, -1) });
    }
  };
  const remove = (tag: string) => onChange({ ...value, tags: value.tags.filter((t) => t !== tag) });

  return (
    <div className="field tag-input">
      <span id={`${hintId}-label`}>Tags</span>
      <ul className="tags tag-chips" aria-label="What will be saved" data-testid="tag-chips">
        {value.tags.map((t) => (
          <li key={t} className="tag tag--chip" data-tag={t}>
            {t}
            <button type="button" className="tag__remove" onClick={() => remove(t)} aria-label={`Remove tag ${t}`}>
              ×
            </button>
          </li>
        ))}
        {typed.map(({ piece, check }, i) =>
          check.ok ? (
            value.tags.includes(check.tag) ? null : (
              <li key={`typed-${i}`} className="tag tag--chip tag--pending" data-tag={check.tag} title="Still typed: saved with the others">
                {check.tag}
              </li>
            )
          ) : (
            <li key={`typed-${i}`} className="tag tag--chip tag--bad" data-bad-tag={piece} title={check.message}>
              {piece}
            </li>
          ),
        )}
        {value.tags.length === 0 && typed.length === 0 && <li className="muted tag-chips__empty">No tags</li>}
      </ul>
      <input
        aria-labelledby={`${hintId}-label`}
        aria-describedby={hintId}
        aria-invalid={!!shownProblem}
        value={value.text}
        onChange={(e) => onText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder="chill vibes, music"
        autoComplete="off"
      />
      {shownProblem && (
        <p className="form-error" role="alert" data-testid="tag-problem">
          {shownProblem}
        </p>
      )}
      <p className="hint" id={hintId}>
        A tag can have several words (“chill vibes”). A comma or Enter ends a tag. Up to {TAG_LIMITS.maxTags} tags of {TAG_LIMITS.minChars}–
        {TAG_LIMITS.maxChars} letters, digits, spaces or “-”; they are saved lowercase, as the chips show.
      </p>
    </div>
  );
}
