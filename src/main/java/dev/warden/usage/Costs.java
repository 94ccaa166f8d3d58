package dev.warden.usage;

import dev.warden.config.Price;
import dev.warden.pipeline.Usage;

/** Cost of token usage at a model's price, in integer micro-units, rounded up (never undercharged). */
public final class Costs {
    private Costs() {
    }

    public static long micros(Usage usage, Price price) {
        long thousandths = Math.addExact(Math.multiplyExact(usage.inputTokens(), price.inputPer1k()),
                Math.multiplyExact(usage.outputTokens(), price.outputPer1k()));
        return Math.ceilDiv(thousandths, 1000L);
    }
}
