package dev.warden.sim;

/**
 * Misbehaviour a test asks of the sim with the {@code X-Sim-Fault} header, comma-separated:
 * {@code status=503}, {@code delay=200} (ms before the head), {@code stall} (head, maybe some
 * chunks, then silence), {@code reset-after=3} (cut the connection after 3 chunks),
 * {@code tenant=other} (echo a wrong {@code X-Tenant-ID}), {@code sse=raw-cr|escaped|bad-json}
 * (hostile event streams), {@code no-usage}, {@code close} (answer with {@code Connection: close}),
 * {@code pace=5} (stream 5 tokens per second, whatever the sim's own pace), {@code retry-after=2}
 * (with a status: add {@code Retry-After: 2}), {@code reset-head} (cut the connection before any
 * answer), {@code context-exceeded} (400: the prompt is over the model's context window, in the
 * provider's words), {@code pad=65536} (each streamed chunk carries that many bytes more, in a field
 * of its own: volume without tokens, for clients that read slowly).
 */
record Faults(int status, int delayMs, boolean stall, int resetAfter, String tenant, String sse, boolean noUsage,
              boolean closeConnection, int tokensPerSecond, int retryAfter, boolean resetHead, boolean contextExceeded, int pad) {
    static final Faults NONE = new Faults(0, 0, false, -1, null, null, false, false, 0, -1, false, false, 0);

    static Faults parse(String header) {
        if (header == null || header.isBlank()) {
            return NONE;
        }
        int status = 0;
        int delay = 0;
        boolean stall = false;
        int resetAfter = -1;
        String tenant = null;
        String sse = null;
        boolean noUsage = false;
        boolean close = false;
        int pace = 0;
        int retryAfter = -1;
        boolean resetHead = false;
        boolean context = false;
        int pad = 0;
        for (String part : header.split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            String k = eq < 0 ? p : p.substring(0, eq);
            String v = eq < 0 ? "" : p.substring(eq + 1);
            try {
                switch (k) {
                    case "status" -> status = Integer.parseInt(v);
                    case "delay" -> delay = Integer.parseInt(v);
                    case "stall" -> stall = true;
                    case "reset-after" -> resetAfter = Integer.parseInt(v);
                    case "tenant" -> tenant = v;
                    case "sse" -> sse = v;
                    case "no-usage" -> noUsage = true;
                    case "close" -> close = true;
                    case "pace" -> pace = Integer.parseInt(v);
                    case "retry-after" -> retryAfter = Integer.parseInt(v);
                    case "reset-head" -> resetHead = true;
                    case "context-exceeded" -> context = true;
                    case "pad" -> pad = Math.min(8 << 20, Integer.parseInt(v));
                    default -> { }
                }
            } catch (NumberFormatException ignored) {
                // a malformed knob is ignored: the sim is a test tool, not a validator
            }
        }
        return new Faults(status, delay, stall, resetAfter, tenant, sse, noUsage, close, pace, retryAfter, resetHead, context, pad);
    }
}
