package dev.warden.record;

/** A model's requests in one UTC hour ({@code hourStartMs}), and their time in flight summed (ms). */
public record ModelHour(String model, long hourStartMs, long requests, long busyMs) {
}
