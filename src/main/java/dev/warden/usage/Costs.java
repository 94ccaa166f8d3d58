package dev.warden.usage;

import dev.warden.config.Price;
import dev.warden.pipeline.Usage;

/** Cost of token usage at a model's price, in integer micro-units, rounded up (never undercharged). */
public final class Costs {
    private Costs() {
    }

    public static long micros(Usage usage, Price price) {
        return usage.costMicros(price.inputPer1k(), price.outputPer1k());
    }
}
