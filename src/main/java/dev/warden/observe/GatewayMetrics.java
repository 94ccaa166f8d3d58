package dev.warden.observe;

import dev.warden.pipeline.Operation;
import dev.warden.pipeline.StageCounters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Warden's Prometheus metrics. Labels are bounded: tenants and models are those of the config
 * (anything else is counted as {@code _none}), statuses are HTTP codes. Meters are cached in
 * nested maps keyed by the label strings themselves, and a (tenant, model) pair's request counters
 * in arrays by operation and status, so a completed request costs one pair lookup and no string
 * building.
 */
public final class GatewayMetrics implements StageCounters {
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};
    private static final Duration[] FIRST_TOKEN_BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofMillis(7500), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};
    private static final Duration[] PER_TOKEN_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(30),
            Duration.ofMillis(50), Duration.ofMillis(75), Duration.ofMillis(100), Duration.ofMillis(150), Duration.ofMillis(200),
            Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500)};
    private static final Result[] RESULTS = Result.values();
    /** Each operation's label, made once ({@code chat_completions}). */
    private static final String[] OPERATION_LABELS = Arrays.stream(Operation.values())
            .map(o -> o.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);
    private static final int STATUSES = 600;

    /** Tenant label value used once {@link #maxTenantLabels} distinct tenants have been seen. */
    public static final String OTHER = "other";

    private final MeterRegistry registry;
    private final int maxTenantLabels;
    private final Set<String> tenantLabels = ConcurrentHashMap.newKeySet();
    /** tenant -> model -> the meters of that pair. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, PairMeters>> pairs = new ConcurrentHashMap<>();
    /** stage -> one counter per result. */
    private final ConcurrentHashMap<String, Counter[]> stages = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this(registry, 1000);
    }

    /** At most {@code maxTenantLabels} distinct tenant label values; the rest are counted as {@code other}. */
    public GatewayMetrics(MeterRegistry registry, int maxTenantLabels) {
        this.registry = registry;
        this.maxTenantLabels = maxTenantLabels;
    }

    /** The label for a tenant: itself while under the cap (or already labelled), else {@code other}. */
    public String tenantLabel(String tenant) {
        if (tenant.startsWith("_") || tenantLabels.contains(tenant)) {
            return tenant;
        }
        synchronized (tenantLabels) {
            if (tenantLabels.size() < maxTenantLabels) {
                tenantLabels.add(tenant);
                return tenant;
            }
        }
        return OTHER;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The meters of one (tenant, model) pair: latency, tokens, and request counters by operation and status. */
    private final class PairMeters {
        final String tenant;
        final String model;
        final Timer latency;
        final Counter tokensIn;
        final Counter tokensOut;
        final Counter cost;
        final ConcurrentHashMap<String, Counter> refusals = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, ConcurrentHashMap<Integer, Counter>> requests = new ConcurrentHashMap<>();
        /** Request counters by operation, then status (made on first use): what a completed request increments. */
        final AtomicReferenceArray<AtomicReferenceArray<Counter>> byOperation = new AtomicReferenceArray<>(OPERATION_LABELS.length);

        PairMeters(String tenant, String model) {
            this.tenant = tenant;
            this.model = model;
            latency = Timer.builder("warden_request_duration").description("Time from request to the end of the response")
                    .tags("tenant", tenant, "model", model).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
            tokensIn = tokens("in");
            tokensOut = tokens("out");
            cost = Counter.builder("warden_cost_micros").description("Cost of the tokens used, in micro-units")
                    .tags("tenant", tenant, "model", model).register(registry);
        }

        Counter refusals(String code) {
            return refusals.computeIfAbsent(code, c -> Counter.builder("warden_refusals")
                    .description("Refused requests by stable error code").tags("tenant", tenant, "code", c).register(registry));
        }

        private Counter tokens(String direction) {
            return Counter.builder("warden_tokens").description("Tokens used, as reported by upstreams")
                    .tags("tenant", tenant, "model", model, "direction", direction).register(registry);
        }

        Counter requests(String operation, int status) {
            return requests.computeIfAbsent(operation, o -> new ConcurrentHashMap<>()).computeIfAbsent(status,
                    s -> Counter.builder("warden_requests").description("Data-plane requests by tenant, model, operation and status")
                            .tags("tenant", tenant, "model", model, "operation", operation, "status", Integer.toString(s))
                            .register(registry));
        }

        /** The counter of {@code operation} and {@code status}, from the arrays (the registry keeps one meter per labels). */
        Counter requests(Operation operation, int status) {
            if (status < 0 || status >= STATUSES) {
                return requests(OPERATION_LABELS[operation.ordinal()], status);
            }
            AtomicReferenceArray<Counter> byStatus = byOperation.get(operation.ordinal());
            if (byStatus == null) {
                byOperation.compareAndSet(operation.ordinal(), null, new AtomicReferenceArray<>(STATUSES));
                byStatus = byOperation.get(operation.ordinal());
            }
            Counter c = byStatus.get(status);
            if (c == null) {
                c = requests(OPERATION_LABELS[operation.ordinal()], status);
                byStatus.set(status, c);
            }
            return c;
        }
    }

    private PairMeters pair(String rawTenant, String model) {
        String tenant = tenantLabel(rawTenant);
        ConcurrentHashMap<String, PairMeters> byModel = pairs.get(tenant);
        if (byModel == null) {
            byModel = pairs.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>());
        }
        PairMeters m = byModel.get(model);
        return m != null ? m : byModel.computeIfAbsent(model, mm -> new PairMeters(tenant, mm));
    }

    /** A completed exchange: its request counter, latency, tokens and cost, on one lookup of its pair's meters. */
    public void completed(String tenant, String model, Operation operation, int status, long nanos, long in, long out, long costMicros) {
        PairMeters m = pair(tenant, model);
        m.requests(operation, status).increment();
        m.latency.record(nanos, TimeUnit.NANOSECONDS);
        if (in > 0) {
            m.tokensIn.increment(in);
        }
        if (out > 0) {
            m.tokensOut.increment(out);
        }
        if (costMicros > 0) {
            m.cost.increment(costMicros);
        }
    }

    public void request(String tenant, String model, String operation, int status, long nanos) {
        PairMeters m = pair(tenant, model);
        m.requests(operation, status).increment();
        m.latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A refusal with its stable code (counted under the tenant's label, or {@code _none}). */
    public void refusal(String tenant, String code) {
        pair(tenant, "_none").refusals(code).increment();
    }

    public void cost(String tenant, String model, long micros) {
        if (micros > 0) {
            pair(tenant, model).cost.increment(micros);
        }
    }

    public void tokens(String tenant, String model, long in, long out) {
        if (in <= 0 && out <= 0) {
            return;
        }
        PairMeters m = pair(tenant, model);
        if (in > 0) {
            m.tokensIn.increment(in);
        }
        if (out > 0) {
            m.tokensOut.increment(out);
        }
    }

    @Override
    public Tally tally(String[] stageNames) {
        Counter[][] byIndex = new Counter[stageNames.length][];
        for (int i = 0; i < stageNames.length; i++) {
            byIndex[i] = stages.computeIfAbsent(stageNames[i], s -> {
                Counter[] c = new Counter[RESULTS.length];
                for (Result r : RESULTS) {
                    c[r.ordinal()] = Counter.builder("warden_stage_outcomes").description("Stage decisions")
                            .tags("stage", s, "result", r.name().toLowerCase(Locale.ROOT)).register(registry);
                }
                return c;
            });
        }
        return (stage, result) -> byIndex[stage][result.ordinal()].increment();
    }

    /** model -> {time to first token, time per output token}: by model only (a tenant label would multiply the buckets). */
    private final ConcurrentHashMap<String, Timer[]> streamTimers = new ConcurrentHashMap<>();

    /**
     * A stream's latencies: from the request to the model's first text, and the mean time between
     * output tokens after it ({@code perTokenNanos} negative: fewer than two tokens, not recorded).
     */
    public void streamTiming(String model, long firstTokenNanos, long perTokenNanos) {
        Timer[] t = streamTimers.get(model);
        if (t == null) {
            t = streamTimers.computeIfAbsent(model, m -> new Timer[] {
                    Timer.builder("warden_time_to_first_token").description("Streams: time from the request to the model's first text")
                            .tags("model", m).serviceLevelObjectives(FIRST_TOKEN_BUCKETS).register(registry),
                    Timer.builder("warden_time_per_output_token").description("Streams: mean time between output tokens after the first")
                            .tags("model", m).serviceLevelObjectives(PER_TOKEN_BUCKETS).register(registry)});
        }
        t[0].record(Math.max(0, firstTokenNanos), TimeUnit.NANOSECONDS);
        if (perTokenNanos >= 0) {
            t[1].record(perTokenNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Per upstream: answers by outcome, and failures in a row (0 = the last answer was good). */
    private final class UpstreamMeters {
        final Counter ok;
        final Counter failed;
        final AtomicLong failuresInARow = new AtomicLong();

        UpstreamMeters(String upstream, String region) {
            ok = Counter.builder("warden_upstream_responses").description("Upstream answers: ok, or failed (connect, timeout, 5xx, protocol)")
                    .tags("upstream", upstream, "region", region, "outcome", "ok").register(registry);
            failed = Counter.builder("warden_upstream_responses").description("Upstream answers: ok, or failed (connect, timeout, 5xx, protocol)")
                    .tags("upstream", upstream, "region", region, "outcome", "failed").register(registry);
            Gauge.builder("warden_upstream_consecutive_failures", failuresInARow, AtomicLong::get)
                    .description("Failed upstream answers in a row (0: healthy as last seen)")
                    .tags("upstream", upstream, "region", region).register(registry);
        }
    }

    /** upstream authority -> its meters (bounded: upstreams come from the config). */
    private final ConcurrentHashMap<String, UpstreamMeters> upstreams = new ConcurrentHashMap<>();

    /** One answer (or failure) of an upstream, as seen by the proxy. */
    public void upstream(String authority, String region, boolean failed) {
        UpstreamMeters m = upstreams.get(authority);
        if (m == null) {
            m = upstreams.computeIfAbsent(authority, a -> new UpstreamMeters(a, region));
        }
        if (failed) {
            m.failed.increment();
            m.failuresInARow.incrementAndGet();
        } else {
            m.ok.increment();
            m.failuresInARow.set(0);
        }
    }

    /** Gauges of one pool's upstream: requests in flight, breaker state (0 closed, 1 half-open, 2 open), health, openings. */
    public void upstreamState(String pool, String upstream, String region, IntSupplier outstanding,
                              IntSupplier breaker, BooleanSupplier healthy,
                              LongSupplier openings) {
        Tags tags = Tags.of("pool", pool, "upstream", upstream, "region", region);
        Gauge.builder("warden_upstream_outstanding", outstanding::getAsInt)
                .description("Requests in flight to the upstream from this replica").tags(tags).strongReference(true).register(registry);
        Gauge.builder("warden_upstream_circuit_state", breaker::getAsInt)
                .description("The upstream's circuit breaker: 0 closed, 1 half-open, 2 open").tags(tags).strongReference(true).register(registry);
        Gauge.builder("warden_upstream_healthy", () -> healthy.getAsBoolean() ? 1 : 0)
                .description("The active health check's verdict: 1 healthy (or not checked), 0 out of rotation").tags(tags)
                .strongReference(true).register(registry);
        held.add(openings); // a function counter holds its object weakly: keep the supplier alive
        FunctionCounter.builder("warden_upstream_circuit_opened", openings,
                        LongSupplier::getAsLong)
                .description("Times the upstream's circuit breaker opened").tags(tags).register(registry);
    }

    /** Objects function counters read (Micrometer keeps only weak references to them). Bounded: one per configured upstream. */
    private final List<Object> held = new CopyOnWriteArrayList<>();

    /** An upstream of {@code pool} answered 429 with {@code Retry-After} and rests that long. */
    public void upstreamCooldown(String pool) {
        counter("warden_upstream_cooldowns", "Upstreams resting after a 429 with Retry-After", "pool", pool).increment();
    }

    /** A request retried on another upstream of {@code pool}, and why (connect_failed, reset, retry_after). */
    public void upstreamRetry(String pool, String reason) {
        counter("warden_upstream_retries", "Requests retried on another upstream before the first byte", "pool", pool, "reason", reason)
                .increment();
    }

    /** A retry the pool's retry budget refused. */
    public void upstreamRetryRefused(String pool) {
        counter("warden_upstream_retries_refused", "Retries refused by the pool's retry budget", "pool", pool).increment();
    }

    /** A guardrail rule's hits in one request (action block, redact or log; mode enforced or shadow). */
    public void guardrailHit(String tenant, String rule, String action, String mode) {
        counter("warden_guardrail_hits", "Requests a guardrail rule hit, by tenant, rule, action and mode",
                "tenant", tenantLabel(tenant), "rule", rule, "action", action, "mode", mode).increment();
    }

    /** A response cache lookup or store of a tenant: hit, miss, bypass, stored. */
    public void cache(String tenant, String result) {
        counter("warden_cache_requests", "Response cache lookups (hit, miss, bypass) and stores (stored)",
                "tenant", tenantLabel(tenant), "result", result).increment();
    }

    /** Counters of the routing and cache events, by name and label values: registered once, then a map lookup. */
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    private Counter counter(String name, String description, String... tags) {
        String key = name + '|' + String.join("|", tags);
        Counter c = counters.get(key);
        return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    /** A request served by a fallback model because its own model's upstreams could not answer. */
    public void upstreamFallback(String from, String to) {
        counter("warden_upstream_fallbacks", "Requests moved to a fallback model before the first byte", "from", from, "to", to).increment();
    }
}
