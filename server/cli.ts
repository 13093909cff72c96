// Operator CLI: `npm run onair -- user add NAME [--password P] [--json]` and the other commands in HELP.
// Works on the same database the server uses (ONAIR_DATA_DIR / DATABASE_URL) and says on stderr which one it opened.
// Revoked tokens stop working on their next use: every request checks its token in the database; what is taken
// back also goes out on the access-change bus, so running servers drop chat connections, players and publishers.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SharedAccessChangeBus } from './access/change-bus.js';
import type { AccessChange } from './access/changes.js';
import { ConfigError, loadConfig, type OnairConfig } from './config.js';
import { deleteAccount } from './db/account-deletion.js';
import { AccountsService } from './db/accounts.js';
import { TokensRepo } from './db/auth-tokens.js';
import { ChannelsRepo } from './db/channels.js';
import { openDatabase, redactDatabaseUrl, type Db } from './db/database.js';
import { DbError } from './db/errors.js';
import { UsersRepo } from './db/users.js';
import { channelUrls, configuredBase } from './http/urls.js';
import { silentLogger } from './log.js';
import { deleteStreamFiles } from './media/stream-files.js';

const HELP = `Usage: npm run onair -- <command>

  user add NAME [--password P] [--json]   create an account and its channel; prints the stream key
                                          (a random password is generated and printed when none is given);
                                          works whatever ONAIR_SIGNUPS says (user create is the same)
  user list [--json]                      list accounts, channels and admins (keys are not printed)
  user reset-key NAME [--json]            issue a new stream key; the old one stops working at once
  user set-password NAME [--password P] [--json]
                                          replace the password and sign the user out everywhere; a random
                                          password is generated and printed when none is given; --password -
                                          reads it from the first line of stdin (keeps it out of shell history)
  user sign-out NAME [--json]             sign the user out everywhere (every session and bearer token)
  user admin NAME on|off [--json]         make the user an admin, or not: an admin's own sign-in opens
                                          /stat, /api/stats and /metrics, as ONAIR_ADMIN_TOKEN does
  user delete NAME --yes [--json]         delete the account for good: its channel, replays (and their files),
                                          invites, follows, sign-ins and every chat message it wrote; a live
                                          stream, its viewers and the user's chat connections are dropped
  help                                    this text

Settings come from the same environment and config file as the server (README, Settings), e.g. ONAIR_DATA_DIR,
DATABASE_URL, REDIS_URL, ONAIR_PUBLIC_URL. The data folder and database opened are named on stderr.`;

/** Tells every running server process of changes that take access back (they drop what each closes). */
async function tellServers(db: Db, config: OnairConfig, ...changes: AccessChange[]): Promise<void> {
  const bus = new SharedAccessChangeBus({ db, redisUrl: config.redisUrl || undefined, logger: silentLogger() });
  try {
    for (const change of changes) await bus.publish(change);
  } finally {
    await bus.close();
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const generatedPassword = () => randomBytes(12).toString('base64url');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The first line of stdin, without its line ending. */
async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0];
}

/** Which data folder and database this run uses, for stderr: never a password. */
function whereLine(config: OnairConfig, sqlitePath: string): string {
  const database = config.databaseUrl ? `PostgreSQL ${redactDatabaseUrl(config.databaseUrl)}` : `SQLite ${sqlitePath}`;
  const settings = config.configFile ? `settings file ${config.configFile}` : 'no settings file';
  return `onair: data folder ${config.dataDir}, database ${database} (${settings})`;
}

async function main(argv: string[]): Promise<number> {
  const [group, command, name] = argv;
  const json = argv.includes('--json');
  if (!group || group === 'help' || argv.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  if (group !== 'user' || !command) {
    console.error(`Unknown command: ${argv.join(' ')}\n\n${HELP}`);
    return 2;
  }
  const creating = command === 'add' || command === 'create';
  const config = loadConfig();
  const sqlitePath = path.join(config.dataDir, 'onair.db');
  console.error(whereLine(config, sqlitePath));
  if (!config.databaseUrl && !existsSync(sqlitePath)) {
    // Run from the wrong folder, the CLI would otherwise act on a new empty database and report "no such user".
    const hint = "If the server keeps its data elsewhere, run this with the server's ONAIR_DATA_DIR (or DATABASE_URL).";
    if (!creating) {
      console.error(`onair: there is no database in ${config.dataDir}. ${hint}`);
      return 1;
    }
    console.error(`onair: no database was there yet: a new one is made. ${hint}`);
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl || undefined, sqlitePath });
  try {
    const users = new UsersRepo(db);
    const channels = new ChannelsRepo(db);
    const out = (data: object, text: string) => console.log(json ? JSON.stringify(data) : text);
    const named = async () => {
      if (!name || name.startsWith('--')) throw new Error(`user ${command} needs a NAME`);
      const user = await users.byUsername(name);
      if (!user) throw new Error(`No user called ${name}`);
      return user;
    };
    if (creating) {
      if (!name) throw new Error(`user ${command} needs a NAME`);
      const given = flag(argv, '--password');
      const password = given ?? generatedPassword();
      const { user, channel } = await new AccountsService(db).createUserWithChannel(name, password);
      const base = configuredBase(config);
      const urls = channelUrls(base, channel.name);
      out(
        {
          username: user.username,
          channel: channel.name,
          streamKey: channel.streamKey,
          rtmpUrl: base.rtmp,
          hlsUrl: urls.hls,
          ...(given ? {} : { password }),
        },
        [
          `Created ${user.username}${given ? '' : ` with password ${password}`}`,
          `  OBS Server:     ${base.rtmp}`,
          ...(base.rtmps ? [`  or encrypted:   ${base.rtmps}`] : []),
          `  OBS Stream Key: ${channel.streamKey}`,
          ...(base.srt ? [`  or over SRT:    ${base.srt}?streamid=${channel.streamKey}`] : []),
          `  Watch:          ${urls.watch}  (HLS ${urls.hls})`,
          ...(config.publicUrlSet
            ? []
            : [
                "  (ONAIR_PUBLIC_URL is unset: on other devices use this machine's address instead of localhost; the site shows each visitor links with the address they used)",
              ]),
        ].join('\n'),
      );
      return 0;
    }
    if (command === 'list') {
      const rows = [];
      for (const u of await users.list()) {
        const ch = await channels.byUserId(u.id);
        rows.push({ username: u.username, channel: ch?.name ?? null, admin: u.admin, createdAt: new Date(u.createdAt).toISOString() });
      }
      out(
        rows,
        rows.length ? rows.map((r) => `${r.username}\t${r.channel}\t${r.createdAt}${r.admin ? '\tadmin' : ''}`).join('\n') : 'No accounts yet.',
      );
      return 0;
    }
    if (command === 'reset-key') {
      const user = await named();
      const streamKey = await channels.regenerateKey(user.id);
      const channel = await channels.byUserId(user.id);
      if (channel) await tellServers(db, config, { kind: 'stream-key-reset', channelId: channel.id, channel: channel.name });
      out(
        { username: user.username, streamKey },
        `New stream key for ${user.username}: ${streamKey}\nA publisher using the old key is dropped within a few seconds.`,
      );
      return 0;
    }
    if (command === 'set-password') {
      const user = await named();
      const given = flag(argv, '--password');
      const password = given === '-' ? await readStdinLine() : (given ?? generatedPassword());
      await users.setPassword(user.id, password);
      const revoked = await new TokensRepo(db).revokeAllForUser(user.id);
      await tellServers(db, config, { kind: 'tokens-revoked', userId: user.id });
      out(
        { username: user.username, signedOut: revoked, ...(given ? {} : { password }) },
        `New password for ${user.username}${given ? '' : `: ${password}`}\nSigned out everywhere (${plural(revoked, 'session')} ended).`,
      );
      return 0;
    }
    if (command === 'sign-out') {
      const user = await named();
      const revoked = await new TokensRepo(db).revokeAllForUser(user.id);
      await tellServers(db, config, { kind: 'tokens-revoked', userId: user.id });
      out({ username: user.username, signedOut: revoked }, `Signed ${user.username} out everywhere (${plural(revoked, 'session')} ended).`);
      return 0;
    }
    if (command === 'admin') {
      const user = await named();
      const setting = argv[3];
      if (setting !== 'on' && setting !== 'off') throw new Error('user admin needs NAME and on or off, e.g. user admin alice on');
      await users.setAdmin(user.id, setting === 'on');
      out(
        { username: user.username, admin: setting === 'on' },
        setting === 'on'
          ? `${user.username} is an admin: signed in, they open /stat, /api/stats and /metrics from any address.`
          : `${user.username} is no longer an admin (from their next request on).`,
      );
      return 0;
    }
    if (command === 'delete') {
      const user = await named();
      if (!argv.includes('--yes')) {
        console.error(
          `This deletes ${user.username} for good: the account, channel ${user.username.toLowerCase()}, its replays and their files, ` +
            `invites, follows, sign-ins and every chat message ${user.username} wrote. Nothing can bring it back.\n` +
            `Run again with --yes to delete: npm run onair -- user delete ${user.username} --yes`,
        );
        return 2;
      }
      const deleted = await deleteAccount(db, user.id);
      if (!deleted) throw new Error(`No user called ${name}`);
      const changes: AccessChange[] = [{ kind: 'tokens-revoked', userId: user.id }];
      if (deleted.channel) {
        // The channel is gone: its viewers and chat room lose it, and a publisher streaming to it is dropped.
        const { id: channelId, name: channel } = deleted.channel;
        changes.push({ kind: 'visibility-changed', channelId, channel }, { kind: 'stream-key-reset', channelId, channel });
      }
      await tellServers(db, config, ...changes);
      for (const id of deleted.replayIds) await deleteStreamFiles(path.join(config.dataDir, 'media'), id);
      out(
        {
          username: deleted.username,
          channel: deleted.channel?.name ?? null,
          replays: deleted.replayIds.length,
          chatMessages: deleted.chatMessages,
          signedOut: deleted.signIns,
        },
        `Deleted ${deleted.username}: the account, channel ${deleted.channel?.name ?? '(none)'}, ${plural(deleted.replayIds.length, 'replay')} ` +
          `with their files, ${plural(deleted.chatMessages, 'chat message')}; ${plural(deleted.signIns, 'session')} ended.`,
      );
      return 0;
    }
    console.error(`Unknown command: user ${command}\n\n${HELP}`);
    return 2;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const msg = err instanceof DbError || err instanceof ConfigError ? err.message : (err as Error).message;
    console.error(`onair: ${msg}`);
    process.exit(1);
  },
);
