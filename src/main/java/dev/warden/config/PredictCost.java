package dev.warden.config;

/**
 * What one call of a model's generic predict route costs, in compute units and in micro-units: a
 * part per call, per item (the batch: {@code instances}, or the first dimension of {@code inputs})
 * and per started KiB of the request body. A predict call reports no tokens, so this is both its
 * reservation and its settlement.
 *
 * @param path    the upstream path of the route; {@code {model}} becomes the model's upstream name
 */
public record PredictCost(String path, Rates computeUnits, Rates price) {
    /** Per call, per item, per started KiB; each 0 or more. */
    public record Rates(long perCall, long perItem, long perKiB) {
        public static final Rates NONE = new Rates(0, 0, 0);

        /** For a call of {@code items} items and {@code bytes} bytes; saturates instead of overflowing. */
        public long of(long items, long bytes) {
            long kib = (bytes + 1023) / 1024;
            try {
                return Math.addExact(perCall, Math.addExact(Math.multiplyExact(perItem, items), Math.multiplyExact(perKiB, kib)));
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE / 4;
            }
        }
    }
}
