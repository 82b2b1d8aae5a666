import type { DeliveryDeadLetter, DeliveryDeadLetters, SinkState, SinkSwitch } from '../ports/delivery-control.js';

/** In-memory twins of the Redis delivery dead letters and sink switch, for unit tests. */
export class InMemoryDeliveryDeadLetters implements DeliveryDeadLetters {
  private readonly entries = new Map<string, DeliveryDeadLetter>();

  async add(entry: DeliveryDeadLetter): Promise<void> {
    // Setting an existing key keeps its place in the Map's order: the first dead-letter time orders, as in Redis.
    this.entries.set(`${entry.sink}\n${entry.event.id}`, entry);
  }

  async list(sink: string, limit: number): Promise<DeliveryDeadLetter[]> {
    return [...this.entries.values()].filter((e) => e.sink === sink).slice(0, limit);
  }

  async count(sink: string): Promise<number> {
    return (await this.list(sink, Number.MAX_SAFE_INTEGER)).length;
  }

  async remove(sink: string, eventId: string): Promise<boolean> {
    return this.entries.delete(`${sink}\n${eventId}`);
  }
}

export class InMemorySinkSwitch implements SinkSwitch {
  private readonly disabled = new Map<string, SinkState>();

  async state(sink: string): Promise<SinkState> {
    return this.disabled.get(sink) ?? { disabled: false };
  }

  async disable(sink: string, reason: string, at: string): Promise<void> {
    this.disabled.set(sink, { disabled: true, reason, at });
  }

  async enable(sink: string): Promise<void> {
    this.disabled.delete(sink);
  }
}
