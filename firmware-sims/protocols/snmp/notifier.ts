/**
 * SNMP notifications to a list of receivers: SNMPv2-Trap PDUs by default, or InformRequests (acknowledged
 * by the receiver, retried by net-snmp) and/or SNMPv3 authPriv per receiver, at most one per receiver per
 * `minIntervalMs` (RFC 1628: "no more than one notification per receiver in any 5 second period");
 * the rest wait in a per-receiver FIFO queue. Varbinds are built when the trap is actually sent, so a
 * queued upsTrapOnBattery carries the runtime of the moment it leaves.
 */
import * as snmp from 'net-snmp';

export interface TrapReceiver {
  host: string;
  port: number;
  /** v2c community of the receiver; defaults to the agent's community. */
  community?: string;
  /** `trap` (default, fire and forget) or `inform` (the receiver acknowledges; retried once after 1 s). */
  notify?: 'trap' | 'inform';
  /** `2c` (default) or `3`: USM authPriv (HMAC-SHA-96 / AES-128) as `v3User`, default the agent's v3 user. */
  version?: '2c' | '3';
  v3User?: { user: string; authKey: string; privKey: string };
}

export interface PendingNotification {
  /** snmpTrapOID.0 value, e.g. 1.3.6.1.2.1.33.2.1 (upsTrapOnBattery). */
  trapOid: string;
  varbinds: () => snmp.Varbind[];
  /** While a notification with this key is still queued for a receiver, another one is dropped. */
  coalesceKey?: string;
}

export interface SentNotification { receiver: TrapReceiver; trapOid: string; atMs: number; varbinds: snmp.Varbind[] }

export interface NotifierOptions {
  defaultCommunity: string;
  /** The agent's v3 user, for receivers that ask for version 3 without their own. */
  defaultV3User?: { user: string; authKey: string; privKey: string };
  minIntervalMs?: number;
  /** sysUpTime.0 for the first varbind (TimeTicks). */
  upTime: () => number;
  onSent?: (sent: SentNotification) => void;
}

interface ReceiverQueue {
  receiver: TrapReceiver;
  session: snmp.Session;
  queue: PendingNotification[];
  lastSentAtMs: number;
  timer?: NodeJS.Timeout;
}

export class SnmpNotifier {
  private readonly queues: ReceiverQueue[];
  private readonly minIntervalMs: number;
  private closed = false;

  constructor(receivers: TrapReceiver[], private readonly opts: NotifierOptions) {
    this.minIntervalMs = opts.minIntervalMs ?? 5000;
    this.queues = receivers.map((receiver) => {
      const transport = receiver.host.includes(':') ? 'udp6' as const : 'udp4' as const;
      // An inform is a request to the receiver's port (`port`); a trap goes to `trapPort`.
      const common = { trapPort: receiver.port, port: receiver.port, transport, timeout: 1000, retries: 1 };
      let session: snmp.Session;
      if (receiver.version === '3') {
        const user = receiver.v3User ?? opts.defaultV3User;
        if (!user) throw new Error(`trap receiver ${receiver.host}:${receiver.port} asks for SNMPv3 but the agent has no v3 user`);
        session = snmp.createV3Session(receiver.host, {
          name: user.user, level: snmp.SecurityLevel.authPriv,
          authProtocol: snmp.AuthProtocols.sha, authKey: user.authKey, privProtocol: snmp.PrivProtocols.aes, privKey: user.privKey,
        }, { ...common, version: snmp.Version3 });
      } else {
        session = snmp.createSession(receiver.host, receiver.community ?? opts.defaultCommunity, { ...common, version: snmp.Version2c });
      }
      // A receiver that is down yields ICMP port-unreachable errors; traps are fire-and-forget.
      session.on('error', () => {});
      return { receiver, session, queue: [], lastSentAtMs: -Infinity };
    });
  }

  send(notification: PendingNotification): void {
    if (this.closed) return;
    for (const q of this.queues) {
      if (notification.coalesceKey && q.queue.some((n) => n.coalesceKey === notification.coalesceKey)) continue;
      q.queue.push(notification);
      this.pump(q);
    }
  }

  /** Notifications still waiting for their slot, per receiver. */
  pendingCount(): number {
    return this.queues.reduce((sum, q) => sum + q.queue.length, 0);
  }

  close(): void {
    this.closed = true;
    for (const q of this.queues) {
      clearTimeout(q.timer);
      q.queue.length = 0;
      try { q.session.close(); } catch { /* already closed */ }
    }
  }

  private pump(q: ReceiverQueue): void {
    if (this.closed || q.timer || q.queue.length === 0) return;
    const now = Date.now();
    const wait = q.lastSentAtMs + this.minIntervalMs - now;
    if (wait > 0) {
      q.timer = setTimeout(() => { q.timer = undefined; this.pump(q); }, wait);
      q.timer.unref();
      return;
    }
    const next = q.queue.shift()!;
    const varbinds = next.varbinds();
    q.lastSentAtMs = now;
    if (q.receiver.notify === 'inform') q.session.inform(next.trapOid, varbinds, { upTime: this.opts.upTime() }, () => {});
    else q.session.trap(next.trapOid, varbinds, { upTime: this.opts.upTime() }, () => {});
    this.opts.onSent?.({ receiver: q.receiver, trapOid: next.trapOid, atMs: now, varbinds });
    this.pump(q);
  }
}
