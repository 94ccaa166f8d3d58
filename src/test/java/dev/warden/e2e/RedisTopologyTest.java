package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.cache.CachedAnswer;
import dev.warden.cache.RedisResponseCache;
import dev.warden.config.CacheSettings;
import dev.warden.config.CacheStoreSettings;
import dev.warden.config.RedisTarget;
import dev.warden.testing.Http;
import dev.warden.testing.RedisService;
import dev.warden.testing.RedisTopologies;
import dev.warden.testing.Spans;
import dev.warden.testing.TestGateway;
import dev.warden.redis.RedisClients;
import dev.warden.redis.RedisConnections;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code redis} limiter store and response cache on a real Redis Cluster (three masters with a
 * replica each, on loopback) and behind Sentinel: tenants whose keys live on different masters
 * held to their rates by three replicas together, a pool's seats shared across replicas while its
 * keys sit on another master, the cache on the cluster, and a failover (cluster and Sentinel)
 * after which admission goes back to Redis by itself.
 */
class RedisTopologyTest {
    private static final String[] TENANTS = {"acme", "globex", "initech"};
    private final List<TestGateway> replicas = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (TestGateway gw : replicas) {
            gw.close();
        }
        replicas.clear();
    }

    private static String clusterLimiter(RedisTopologies.Cluster cluster, String namespace) {
        return clusterLimiter(cluster, namespace, true);
    }

    /** {@code leases} false: every admission is its own call, so each one shows which node answered it. */
    private static String clusterLimiter(RedisTopologies.Cluster cluster, String namespace, boolean leases) {
        List<String> urls = cluster.urls();
        return "limiter: { store: redis, redisTopology: cluster, redis: \"" + urls.get(0) + "\", redisNodes: [\""
                + String.join("\", \"", urls.subList(1, urls.size())) + "\"], namespace: " + namespace + ", holdTtlSeconds: 30, leases: "
                + leases + " }\n";
    }

    private static String sentinelLimiter(RedisTopologies.Sentinel sentinel, String namespace) {
        return "limiter: { store: redis, redisTopology: sentinel, redis: \"" + sentinel.url() + "\", redisMaster: "
                + RedisTopologies.Sentinel.MASTER + ", namespace: " + namespace + ", holdTtlSeconds: 30, timeoutMs: 500, leases: false }\n";
    }

    private void start(int n, String limiter, String tierLimits, UnaryOperator<String> edit) throws Exception {
        for (int i = 0; i < n; i++) {
            replicas.add(new TestGateway(yaml -> limiter + edit.apply(yaml
                    .replace("basic: { description: \"small\", maxOutputTokens: 50 }",
                            "basic: { description: \"small\", maxOutputTokens: 50, limits: " + tierLimits + " }")
                    .replace("tier: gold", "tier: basic"))));
        }
    }

    private double sum(String metric, String... labels) {
        return replicas.stream().mapToDouble(gw -> gw.metric(metric, labels)).sum();
    }

    @Test
    void threeReplicasHoldTenantsOnDifferentMastersToOneRateEach() throws Exception {
        RedisTopologies.Cluster cluster = RedisTopologies.cluster();
        String namespace;
        Set<Integer> masters = new HashSet<>();
        do { // a namespace whose tenants' keys do not all fall on one master (a random one does 1 time in 9)
            namespace = RedisService.freshNamespace();
            masters.clear();
            for (String t : TENANTS) {
                masters.add(cluster.masterOf("{" + namespace + ":" + t + "}:c"));
            }
        } while (masters.size() < 2);
        start(3, clusterLimiter(cluster, namespace), "{ requestsPerMinute: 120, burstSeconds: 10 }", yaml -> yaml); // burst 20, 2/s
        assertThat(replicas.get(0).awaitMetric(3, "warden_limiter_store_replicas")).isEqualTo(3);

        Map<String, AtomicInteger> admitted = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        long started = System.nanoTime();
        int perTenant = 45;
        try {
            List<CompletableFuture<Void>> calls = new ArrayList<>();
            for (int i = 0; i < perTenant * TENANTS.length; i++) {
                TestGateway gw = replicas.get(i % 3);
                String tenant = TENANTS[i % TENANTS.length];
                calls.add(CompletableFuture.runAsync(() -> {
                    HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"),
                            "Authorization", bearer(gw.key(tenant)));
                    if (r.statusCode() == 200) {
                        admitted.computeIfAbsent(tenant, t -> new AtomicInteger()).incrementAndGet();
                    } else {
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                        assertThat(r.body()).contains("\"code\":\"rate_limited\"");
                    }
                }, pool));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(masters).as("the tenants' keys live on different masters: %s", masters).hasSizeGreaterThan(1);
        for (String t : TENANTS) {
            assertThat(admitted.get(t).get()).as("%s admitted in %.1f s (one limit across three replicas, not three)", t, seconds)
                    .isBetween(20, (int) (20 + 2 * seconds + 1));
        }
        assertThat(sum("warden_limiter_store_admissions_total")).as("every request decided in the cluster (a burst of 20 is too"
                + " small to slice into leases for three replicas)").isEqualTo(perTenant * TENANTS.length);
        assertThat(sum("warden_limiter_store_fallback_admissions_total")).isZero();
        assertThat(sum("warden_limiter_store_errors_total")).isZero();
    }

    @Test
    void aPoolsSeatsAreSharedAcrossReplicasOnTheCluster() throws Exception {
        RedisTopologies.Cluster cluster = RedisTopologies.cluster();
        String namespace = RedisService.freshNamespace();
        start(2, clusterLimiter(cluster, namespace), "{ requestsPerMinute: 100000 }", yaml -> yaml.replace("  main:\n    upstreams:",
                "  main:\n    capacity: { seats: 2, seatUnits: 100000, maxQueuePerTenant: 50, queueTimeoutMs: 20000 }\n    upstreams:"));
        for (TestGateway gw : replicas) {
            gw.eu.trackSpans();
            gw.us.trackSpans();
        }
        String slow = "{\"model\":\"gpt-sim\",\"stream\":true,\"max_tokens\":6,\"messages\":[]}";
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                TestGateway gw = replicas.get(i % 2);
                String tenant = TENANTS[i % TENANTS.length];
                calls.add(CompletableFuture.supplyAsync(() -> Http.post(gw.dataUrl("/v1/chat/completions"), slow,
                        "Authorization", bearer(gw.key(tenant)), "X-Sim-Fault", "pace=30"), pool));
            }
            for (var c : calls) {
                assertThat(c.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        List<long[]> spans = new ArrayList<>();
        for (TestGateway gw : replicas) {
            spans.addAll(gw.eu.spans());
            spans.addAll(gw.us.spans());
        }
        assertThat(spans).hasSize(10);
        assertThat(Spans.maxOverlap(spans)).as("the pool's 2 seats, across both replicas, with the pool's keys on their own master")
                .isLessThanOrEqualTo(2);
        assertThat(sum("warden_limiter_store_lease_admissions_total")).as("the tenants' rates decided on leases taken from their"
                + " masters").isEqualTo(10);
        assertThat(sum("warden_limiter_store_round_trips_total", "op=\"admit\"")).isZero();
        assertThat(sum("warden_limiter_store_errors_total")).isZero();
    }

    @Test
    void theResponseCacheKeepsEachTenantsAnswersOnTheCluster() throws Exception {
        RedisTopologies.Cluster cluster = RedisTopologies.cluster();
        Vertx vertx = Vertx.vertx();
        String namespace = RedisService.freshNamespace();
        RedisTarget target = new RedisTarget(RedisTarget.CLUSTER, cluster.urls(), null);
        RedisResponseCache cache = new RedisResponseCache(vertx, new CacheStoreSettings(true, target, namespace));
        CacheSettings settings = new CacheSettings(60, 1 << 20, 1 << 16, 10, false);
        try {
            for (int i = 0; i < 30; i++) {
                cache.put("tenant" + i, "k", new CachedAnswer("application/json", null, ("{\"n\":" + i + "}").getBytes(), 1, 2,
                        System.currentTimeMillis(), "eu"), settings);
            }
            Set<Integer> masters = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                masters.add(cluster.masterOf("{" + namespace + ":tenant" + i + "}:cache:k"));
                CachedAnswer back = null;
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (back == null && System.nanoTime() < deadline) { // a put is not awaited by its caller
                    back = cache.get("tenant" + i, "k", settings).await(5, TimeUnit.SECONDS);
                }
                assertThat(back).as("tenant" + i).isNotNull();
                assertThat(new String(back.body())).isEqualTo("{\"n\":" + i + "}");
            }
            assertThat(masters).as("the tenants' entries are spread over the masters").hasSize(3);
            assertThat(cache.get("tenant1", "other", settings).await(5, TimeUnit.SECONDS)).isNull();
        } finally {
            cache.close().await(5, TimeUnit.SECONDS);
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aScriptIsLoadedOnEveryMasterOfTheCluster() throws Exception {
        RedisTopologies.Cluster cluster = RedisTopologies.cluster();
        Vertx vertx = Vertx.vertx();
        RedisTarget target = new RedisTarget(RedisTarget.CLUSTER, cluster.urls(), null);
        RedisConnections redis = new RedisConnections(Redis.createClient(vertx, RedisClients.options(target)), true);
        String source = "return '" + RedisService.freshNamespace() + "'"; // a script no node knows yet
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        try {
            redis.batch(List.of(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source))).await(10, TimeUnit.SECONDS);
            assertThat(cluster.masters()).hasSize(3);
            for (int port : cluster.masters()) {
                assertThat(cluster.cli(port, "SCRIPT", "EXISTS", sha).strip()).as("master " + port).isEqualTo("1");
            }
        } finally {
            redis.close().await(5, TimeUnit.SECONDS);
            vertx.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aTenantsSlotMovedToAnotherMasterIsFollowedWithoutAnOutage() throws Exception {
        RedisTopologies.Cluster cluster = RedisTopologies.cluster();
        String namespace = RedisService.freshNamespace();
        start(1, clusterLimiter(cluster, namespace, false), "{ requestsPerMinute: 120, burstSeconds: 10 }", yaml -> yaml); // burst 20
        TestGateway gw = replicas.get(0);
        for (int i = 0; i < 12; i++) {
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode()).isEqualTo(200);
        }
        String key = "{" + namespace + ":acme}:c";
        int from = cluster.masterOf(key);
        int to = cluster.masters().stream().filter(p -> p != from).findFirst().orElseThrow();
        cluster.moveSlotOf(key, from, to); // the replica's connection still maps the slot to the old master

        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            int status = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode();
            assertThat(status).isIn(200, 429);
            admitted += status == 200 ? 1 : 0;
        }
        assertThat(cluster.masterOf(key)).isEqualTo(to);
        assertThat(admitted).as("the rest of the burst, counted on the new master: the counters moved with the slot")
                .isBetween(8, 8 + 2 * 10);
        assertThat(gw.metric("warden_limiter_store_fallback_admissions_total")).as("no admission decided away from Redis").isZero();
        assertThat(gw.metric("warden_limiter_store_admissions_total")).isEqualTo(32);
    }

    @Test
    void afterAClusterFailoverAdmissionGoesBackToTheCluster() throws Exception {
        RedisTopologies.Cluster cluster = RedisTopologies.cluster();
        String namespace = RedisService.freshNamespace();
        start(1, clusterLimiter(cluster, namespace, false), "{ requestsPerMinute: 100000 }", yaml -> yaml);
        TestGateway gw = replicas.get(0);
        for (int i = 0; i < 5; i++) {
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode()).isEqualTo(200);
        }
        int master = cluster.masterOf("{" + namespace + ":acme}:c");
        int replica = cluster.replicaOf(master);
        assertThat(cluster.cli(replica, "CLUSTER", "FAILOVER")).contains("OK");
        RedisTopologies.awaitOutput(replica, "role:master", "INFO", "replication");
        long deadline = System.nanoTime() + 20_000_000_000L;
        double before;
        boolean backInRedis = false;
        while (!backInRedis && System.nanoTime() < deadline) {
            before = gw.metric("warden_limiter_store_admissions_total");
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization",
                    bearer(gw.key("acme")));
            assertThat(r.statusCode()).as("answered throughout: admitted, or refused by this replica's share while the cluster moves")
                    .isIn(200, 429);
            backInRedis = gw.metric("warden_limiter_store_admissions_total") > before;
            Thread.sleep(100);
        }
        assertThat(backInRedis).as("admissions decided in the cluster again after the failover").isTrue();
        assertThat(cluster.masterOf("{" + namespace + ":acme}:c")).isEqualTo(replica);
        // a call still in flight to the old master may fail just after: the store probes and is back
        assertThat(gw.awaitMetric(1, "warden_limiter_store_up")).isEqualTo(1);
    }

    @Test
    void behindSentinelAdmissionFollowsTheMasterThroughAFailover() throws Exception {
        RedisTopologies.Sentinel sentinel = RedisTopologies.sentinel();
        String namespace = RedisService.freshNamespace();
        // a burst of 20 that refills slowly (one every 10 s): what is left after the failover shows
        // whether the counters came along, however long the failover takes
        start(1, sentinelLimiter(sentinel, namespace), "{ requestsPerMinute: 6, burstSeconds: 200 }", yaml -> yaml);
        TestGateway gw = replicas.get(0);
        int admitted = 0;
        for (int i = 0; i < 15; i++) {
            if (Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode() == 200) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(15);
        assertThat(gw.metric("warden_limiter_store_admissions_total")).isEqualTo(15);
        int oldMaster = sentinel.currentMaster();
        // a Sentinel that has not yet seen the replica as good answers NOGOODSLAVE: ask again until it has
        long asked = System.nanoTime() + 20_000_000_000L;
        String answer;
        while (!(answer = sentinel.cli(sentinel.sentinelPort(), "SENTINEL", "FAILOVER", RedisTopologies.Sentinel.MASTER)).contains("OK")
                && answer.contains("NOGOODSLAVE") && System.nanoTime() < asked) {
            Thread.sleep(200);
        }
        assertThat(answer).contains("OK");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (sentinel.currentMaster() == oldMaster && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        int newMaster = sentinel.currentMaster();
        assertThat(newMaster).as("Sentinel promoted the replica").isNotEqualTo(oldMaster);
        RedisTopologies.awaitOutput(newMaster, "role:master", "INFO", "replication");

        boolean backInRedis = false;
        while (!backInRedis && System.nanoTime() < deadline) {
            double before = gw.metric("warden_limiter_store_admissions_total");
            int status = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode();
            assertThat(status).isIn(200, 429);
            backInRedis = gw.metric("warden_limiter_store_admissions_total") > before;
            Thread.sleep(200);
        }
        assertThat(backInRedis).as("admissions decided by the new master").isTrue();
        // the burst of 20 is one limit before and after the failover: the counters moved with the data
        // (had the new master started empty, all ten would pass)
        int more = 0;
        for (int i = 0; i < 10; i++) {
            if (Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("acme")))
                    .statusCode() == 200) {
                more++;
            }
        }
        assertThat(more).as("what is left of the burst (the replica had the master's counters)").isLessThanOrEqualTo(7);
        assertThat(sentinel.cli(newMaster, "KEYS", "{" + namespace + ":acme}:*").lines().collect(Collectors.toList()))
                .as("the tenant's counters live on the new master").isNotEmpty();
    }
}
