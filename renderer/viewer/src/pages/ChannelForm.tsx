// The channel section of /settings: title, tags (as chips, TagInput) and who can watch, saved together.
import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../../shared/api.js';
import type { ChannelVisibility, MyChannel } from '../../../shared/contracts.js';
import { TagInput, tagsToSave, type TagDraft } from './TagInput.js';

export function ChannelForm({ channel, onSaved }: { channel: MyChannel; onSaved(c: Partial<MyChannel>): void }) {
  const [title, setTitle] = useState(channel.title);
  const [tags, setTags] = useState<TagDraft>({ tags: channel.tags, text: '' });
  const [visibility, setVisibility] = useState<ChannelVisibility>(channel.visibility);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const tagList = tagsToSave(tags);
    if (!tagList.ok) return setMessage({ ok: false, text: tagList.message });
    setBusy(true);
    setMessage(null);
    try {
      const saved = await api.updateMyChannel({ title: title.trim(), tags: tagList.tags, visibility });
      onSaved(saved);
      setTitle(saved.title);
      setTags({ tags: saved.tags, text: '' });
      setVisibility(saved.visibility);
      setMessage({ ok: true, text: 'Saved.' });
    } catch (err) {
      setMessage({ ok: false, text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card settings-section" aria-labelledby="channel-title" onSubmit={(e) => void save(e)}>
      <h2 id="channel-title">Channel</h2>
      <label className="field">
        <span>Title</span>
        {/* No maxLength: it counts UTF-16 units, the server counts characters as people see them. */}
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder={`${channel.name} live`} />
      </label>
      <TagInput value={tags} onChange={setTags} />
      <fieldset className="field">
        <legend>Who can watch</legend>
        {(
          [
            ['public', 'Public', 'Anyone can watch; listed in “Live now”.'],
            ['followers', 'Followers', 'Only people who follow you (and people you invite).'],
            ['invite', 'Invite only', 'Only you and people you send an invite link.'],
          ] as const
        ).map(([v, label, hint]) => (
          <label key={v} className="radio">
            <input type="radio" name="visibility" value={v} checked={visibility === v} onChange={() => setVisibility(v)} />
            <span>
              <strong>{label}</strong> <span className="muted">{hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role="status">
          {message.text}
        </p>
      )}
      <button type="submit" className="btn btn--primary" disabled={busy}>
        Save channel
      </button>
    </form>
  );
}
