/**
 * SNMPv2c notifications (SNMPv2-Trap PDUs) to a list of receivers, at most one per receiver per
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
      const session = snmp.createSession(receiver.host, receiver.community ?? opts.defaultCommunity, {
        version: snmp.Version2c,
        trapPort: receiver.port,
        transport: receiver.host.includes(':') ? 'udp6' : 'udp4',
      });
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
    q.session.trap(next.trapOid, varbinds, { upTime: this.opts.upTime() }, () => {});
    this.opts.onSent?.({ receiver: q.receiver, trapOid: next.trapOid, atMs: now, varbinds });
    this.pump(q);
  }
}
