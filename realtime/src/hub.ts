import { CHANNELS, type Channel } from '@xtrader/protocol';
import type { Outgoing } from './outgoing';
import { channelOfTopic } from '@xtrader/protocol';

/** Anything that can receive topic messages: a client session of either transport. */
export interface Subscriber {
  offer(topic: string, out: Outgoing, conflate: boolean): void;
}

/**
 * This node's registry of local subscribers per topic. The feed reader publishes each message
 * here once, in stream order, and every local subscriber of its topic gets it in that order,
 * whichever transport it speaks.
 */
export class Hub {
  private readonly topics = new Map<string, Set<Subscriber>>();

  add(topic: string, s: Subscriber): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(s);
  }

  remove(topic: string, s: Subscriber): void {
    const set = this.topics.get(topic);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.topics.delete(topic);
  }

  /** Offers `out` to every local subscriber of `topic`; returns how many there were. */
  publish(topic: string, out: Outgoing, conflate: boolean): number {
    const set = this.topics.get(topic);
    if (!set) return 0;
    for (const s of set) s.offer(topic, out, conflate);
    return set.size;
  }

  /** Local subscriptions per channel (a client on two symbols counts twice). */
  countByChannel(): Record<Channel, number> {
    const counts = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>;
    for (const [topic, set] of this.topics) counts[channelOfTopic(topic)] += set.size;
    return counts;
  }
}
