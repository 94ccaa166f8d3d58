package dev.warden.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An open-loop load generator (wrk is closed-loop: a slower answer lowers its rate): sends
 * {@code rate} requests a second for {@code seconds}, whatever the answers do, with at most
 * {@code maxInFlight} outstanding (beyond that a send is skipped and counted). Goodput counts the
 * 2xx answers that arrived within the window (what is still queued at its end does not count),
 * then it waits for the rest. Prints one line:
 * {@code RESULT sent=... ok=... goodput=... p50_ms=... p99_ms=... skipped=... status_429=...}.
 * Usage: {@code OpenLoad URL KEY RATE SECONDS MAX_IN_FLIGHT [HEADER:VALUE ...]} with the body of
 * a small chat completion (env {@code BENCH_BODY} replaces it). For {@code bench/admission/noisy.sh}.
 */
public final class OpenLoad {
    private OpenLoad() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        String key = args[1];
        double rate = Double.parseDouble(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int maxInFlight = Integer.parseInt(args[4]);
        Map<String, String> headers = new TreeMap<>();
        for (int i = 5; i < args.length; i++) {
            int at = args[i].indexOf(':');
            headers.put(args[i].substring(0, at), args[i].substring(at + 1));
        }
        String body = System.getenv().getOrDefault("BENCH_BODY",
                "{\"model\":\"gpt-sim\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        Vertx vertx = Vertx.vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000),
                new PoolOptions().setHttp1MaxSize(maxInFlight).setMaxWaitQueueSize(-1));
        List<Long> okLatencies = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        int[] counts = new int[3]; // sent, skipped, in flight
        CountDownLatch done = new CountDownLatch(1);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost()).setPort(url.getPort())
                .setURI(url.getPath()).putHeader("Authorization", "Bearer " + key).putHeader("Content-Type", "application/json");
        headers.forEach(options::putHeader);
        Buffer payload = Buffer.buffer(body);
        vertx.setPeriodic(1, id -> {
            long now = System.nanoTime();
            long due = (long) ((Math.min(now, end) - start) / 1e9 * rate);
            while (counts[0] + counts[1] < due) {
                if (counts[2] >= maxInFlight) {
                    counts[1]++;
                    continue;
                }
                counts[0]++;
                counts[2]++;
                long sentAt = System.nanoTime();
                client.request(options).compose(r -> r.send(payload)).compose(r -> r.body().map(b -> r.statusCode()))
                        .onComplete(ar -> {
                            counts[2]--;
                            int status = ar.succeeded() ? ar.result() : -1;
                            statuses.merge(status, 1, Integer::sum);
                            long at = System.nanoTime();
                            if (status / 100 == 2 && at <= end) { // goodput within the window
                                okLatencies.add(at - sentAt);
                            }
                            if (System.nanoTime() >= end && counts[2] == 0) {
                                done.countDown();
                            }
                        });
            }
            if (now >= end) {
                vertx.cancelTimer(id);
                if (counts[2] == 0) {
                    done.countDown();
                }
            }
        });
        done.await(seconds + 120L, TimeUnit.SECONDS);
        okLatencies.sort(null);
        StringBuilder line = new StringBuilder("RESULT");
        line.append(" sent=").append(counts[0]).append(" ok=").append(okLatencies.size())
                .append(String.format(" goodput=%.2f", okLatencies.size() / (double) seconds))
                .append(String.format(" p50_ms=%.1f", percentile(okLatencies, 50) / 1e6))
                .append(String.format(" p99_ms=%.1f", percentile(okLatencies, 99) / 1e6))
                .append(" skipped=").append(counts[1]);
        statuses.forEach((s, n) -> line.append(" status_").append(s).append('=').append(n));
        System.out.println(line);
        vertx.close();
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1));
    }
}
