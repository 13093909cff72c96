// Operator CLI: `npm run onair -- user add NAME [--password P] [--json]`, `user list`, `user reset-key NAME`,
// `user set-password NAME [--password P|-]`, `user sign-out NAME`.
// Works on the same database the server uses (ONAIR_DATA_DIR / DATABASE_URL). Revoked tokens stop working on their
// next use: every request checks its token in the database.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SharedAccessChangeBus } from './access/change-bus.js';
import type { AccessChange } from './access/changes.js';
import { ConfigError, loadConfig, type OnairConfig } from './config.js';
import { AccountsService } from './db/accounts.js';
import { TokensRepo } from './db/auth-tokens.js';
import { ChannelsRepo } from './db/channels.js';
import { openDatabase, type Db } from './db/database.js';
import { DbError } from './db/errors.js';
import { UsersRepo } from './db/users.js';
import { channelUrls, configuredBase } from './http/urls.js';
import { silentLogger } from './log.js';

const HELP = `Usage: npm run onair -- <command>

  user add NAME [--password P] [--json]   create an account and its channel; prints the stream key
                                          (a random password is generated and printed when none is given)
  user list [--json]                      list accounts and channels (keys are not printed)
  user reset-key NAME [--json]            issue a new stream key; the old one stops working at once
  user set-password NAME [--password P] [--json]
                                          replace the password and sign the user out everywhere; a random
                                          password is generated and printed when none is given; --password -
                                          reads it from the first line of stdin (keeps it out of shell history)
  user sign-out NAME [--json]             sign the user out everywhere (every session and bearer token)
  help                                    this text

Settings come from the same environment and config file as the server (README, Settings), e.g. ONAIR_DATA_DIR,
DATABASE_URL, REDIS_URL, ONAIR_PUBLIC_URL.`;

/** Tells every running server process of a change that takes access back (they drop what it closes). */
async function tellServers(db: Db, config: OnairConfig, change: AccessChange): Promise<void> {
  const bus = new SharedAccessChangeBus({ db, redisUrl: config.redisUrl || undefined, logger: silentLogger() });
  try {
    await bus.publish(change);
  } finally {
    await bus.close();
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const generatedPassword = () => randomBytes(12).toString('base64url');

/** The first line of stdin, without its line ending. */
async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0];
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
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl || undefined, sqlitePath: path.join(config.dataDir, 'onair.db') });
  try {
    const channels = new ChannelsRepo(db);
    const out = (data: object, text: string) => console.log(json ? JSON.stringify(data) : text);
    if (command === 'add') {
      if (!name) throw new Error('user add needs a NAME');
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
          `  OBS Stream Key: ${channel.streamKey}`,
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
      const users = await new UsersRepo(db).list();
      const rows = [];
      for (const u of users) {
        const ch = await channels.byUserId(u.id);
        rows.push({ username: u.username, channel: ch?.name ?? null, createdAt: new Date(u.createdAt).toISOString() });
      }
      out(rows, rows.length ? rows.map((r) => `${r.username}\t${r.channel}\t${r.createdAt}`).join('\n') : 'No accounts yet.');
      return 0;
    }
    if (command === 'reset-key') {
      if (!name) throw new Error('user reset-key needs a NAME');
      const user = await new UsersRepo(db).byUsername(name);
      if (!user) throw new Error(`No user called ${name}`);
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
      if (!name) throw new Error('user set-password needs a NAME');
      const users = new UsersRepo(db);
      const user = await users.byUsername(name);
      if (!user) throw new Error(`No user called ${name}`);
      const given = flag(argv, '--password');
      const password = given === '-' ? await readStdinLine() : (given ?? generatedPassword());
      await users.setPassword(user.id, password);
      const revoked = await new TokensRepo(db).revokeAllForUser(user.id);
      await tellServers(db, config, { kind: 'tokens-revoked', userId: user.id });
      out(
        { username: user.username, signedOut: revoked, ...(given ? {} : { password }) },
        `New password for ${user.username}${given ? '' : `: ${password}`}\nSigned out everywhere (${revoked} session${revoked === 1 ? '' : 's'} ended).`,
      );
      return 0;
    }
    if (command === 'sign-out') {
      if (!name) throw new Error('user sign-out needs a NAME');
      const user = await new UsersRepo(db).byUsername(name);
      if (!user) throw new Error(`No user called ${name}`);
      const revoked = await new TokensRepo(db).revokeAllForUser(user.id);
      await tellServers(db, config, { kind: 'tokens-revoked', userId: user.id });
      out(
        { username: user.username, signedOut: revoked },
        `Signed ${user.username} out everywhere (${revoked} session${revoked === 1 ? '' : 's'} ended).`,
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
