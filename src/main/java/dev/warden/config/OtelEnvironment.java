package dev.warden.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The OpenTelemetry SDK's environment variables, as defaults for what {@code telemetry:} leaves
 * out (a value written in warden.yaml wins): {@code OTEL_SDK_DISABLED}, {@code OTEL_TRACES_EXPORTER},
 * {@code OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT}, {@code OTEL_EXPORTER_OTLP_[TRACES_]HEADERS},
 * {@code OTEL_SERVICE_NAME}, {@code OTEL_RESOURCE_ATTRIBUTES}, {@code OTEL_TRACES_SAMPLER[_ARG]}.
 * A malformed value is a configuration error naming the variable (never its value: headers carry
 * credentials).
 */
final class OtelEnvironment {
    private final ConfigReader r;
    private final Function<String, String> env;
    /** Read once: the resource and the service name both come from it (and a bad one is one error). */
    private final Map<String, String> resourceAttributes;

    OtelEnvironment(ConfigReader r, Function<String, String> env) {
        this.r = r;
        this.env = env;
        this.resourceAttributes = pairs(r, "env OTEL_RESOURCE_ATTRIBUTES", get("OTEL_RESOURCE_ATTRIBUTES"));
    }

    private String get(String name) {
        String v = env.apply(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** Whether the environment asks for spans to be exported over OTLP. */
    boolean exportRequested() {
        if ("true".equalsIgnoreCase(get("OTEL_SDK_DISABLED"))) {
            return false;
        }
        String exporter = get("OTEL_TRACES_EXPORTER");
        if (exporter != null) {
            if (!exporter.equals("otlp") && !exporter.equals("none")) {
                r.error("env OTEL_TRACES_EXPORTER", "'" + exporter + "' (Warden exports over OTLP/HTTP: expected otlp or none)");
            }
            return exporter.equals("otlp");
        }
        return get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != null || get("OTEL_EXPORTER_OTLP_ENDPOINT") != null;
    }

    /** The traces URL: the signal's own variable as is, else the base endpoint + {@code /v1/traces}. */
    String tracesEndpoint(String dflt) {
        String traces = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if (traces != null) {
            return traces;
        }
        String base = get("OTEL_EXPORTER_OTLP_ENDPOINT");
        return base == null ? dflt : base.replaceAll("/+$", "") + "/v1/traces";
    }

    /** The exporter's headers: the signal's own variable, else the shared one (empty: none). */
    Map<String, String> headers() {
        String name = get("OTEL_EXPORTER_OTLP_TRACES_HEADERS") != null ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS" : "OTEL_EXPORTER_OTLP_HEADERS";
        return pairs(r, "env " + name, get(name));
    }

    Map<String, String> resourceAttributes() {
        return resourceAttributes;
    }

    String serviceName(String dflt) {
        String name = get("OTEL_SERVICE_NAME");
        if (name != null) {
            return name;
        }
        return resourceAttributes.getOrDefault("service.name", dflt);
    }

    /** The share of new traces sampled by {@code OTEL_TRACES_SAMPLER}, or {@code dflt}. */
    double sampleRatio(double dflt) {
        String sampler = get("OTEL_TRACES_SAMPLER");
        if (sampler == null) {
            return dflt;
        }
        return switch (sampler.toLowerCase(Locale.ROOT)) {
            case "always_on", "parentbased_always_on" -> 1.0;
            case "always_off", "parentbased_always_off" -> 0.0;
            case "traceidratio", "parentbased_traceidratio" -> ratioArg();
            default -> {
                r.error("env OTEL_TRACES_SAMPLER",
                        "'" + sampler + "' (expected: always_on, always_off, traceidratio or their parentbased_ forms)");
                yield dflt;
            }
        };
    }

    private double ratioArg() {
        String arg = get("OTEL_TRACES_SAMPLER_ARG");
        if (arg == null) {
            return 1.0;
        }
        try {
            double v = Double.parseDouble(arg);
            if (v >= 0 && v <= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        r.error("env OTEL_TRACES_SAMPLER_ARG", "'" + arg + "' (expected: a ratio 0..1)");
        return 1.0;
    }

    /**
     * {@code key1=value1,key2=value2} (values percent-decoded; a {@code +} stays a plus, as in W3C baggage), the format of OTLP headers and
     * resource attributes; {@code where} names the source in errors.
     */
    static Map<String, String> pairs(ConfigReader r, String where, String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String item : text.split(",")) {
            int eq = item.indexOf('=');
            String key = eq < 0 ? "" : item.substring(0, eq).strip();
            if (key.isEmpty() || !key.matches("[A-Za-z0-9._\\-]{1,128}")) {
                r.error(where, "an entry is not key=value (expected: key1=value1,key2=value2)");
                return Map.of();
            }
            try {
                out.put(key, URLDecoder.decode(item.substring(eq + 1).strip().replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                r.error(where, "the value of '" + key + "' is not percent-encoded properly");
                return Map.of();
            }
        }
        return out;
    }
}
