package dev.warden.observe;

import dev.warden.exchange.RequestContext;
import dev.warden.exchange.SelectedRoute;
import dev.warden.exchange.UpstreamTry;
import dev.warden.pipeline.Completion;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.Operation;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Opens the request's trace (W3C ids, and a span when tracing is exported) and closes it with the
 * outcome, in OpenTelemetry's semantic conventions: the server span is {@code METHOD route} with
 * the HTTP server attributes; the upstream call that answered is a client span
 * {@code <gen_ai.operation.name> <model>} with the GenAI attributes (provider, request and response
 * model, finish reason, token usage, {@code server.address}); calls that did not become the answer
 * are events of the server span. Forwarding sends {@link TraceContext#traceparent()} upstream.
 */
public final class TraceStage implements Stage {
    private final Tracing tracing;

    public TraceStage(Tracing tracing) {
        this.tracing = tracing;
    }

    @Override
    public String name() {
        return "trace";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        long startEpochNanos = System.currentTimeMillis() * 1_000_000L;
        Operation operation = exchange.request().operation();
        String name = tracing.exports() ? operation.method().name() + " " + GenAiNames.route(operation) : null;
        TraceContext trace = tracing.start(name, exchange.request().headers().get("traceparent"), startEpochNanos, exchange.requestId());
        exchange.put(TraceContext.KEY, trace);
        if (trace.span() != null) {
            serverAttributes(trace.span(), exchange, operation);
        }
        return Outcome.continueNow();
    }

    private static void serverAttributes(Span span, Exchange exchange, Operation operation) {
        span.setAttribute("http.request.method", operation.method().name());
        span.setAttribute("http.route", GenAiNames.route(operation));
        span.setAttribute("client.address", exchange.request().remoteAddress());
        HttpServerRequest http = exchange.request().http();
        if (http != null) {
            span.setAttribute("url.path", http.path());
            span.setAttribute("url.scheme", http.isSSL() ? "https" : "http");
            span.setAttribute("network.protocol.version", switch (http.version()) {
                case HTTP_1_0 -> "1.0";
                case HTTP_1_1 -> "1.1";
                case HTTP_2 -> "2";
            });
            if (http.authority() != null) {
                span.setAttribute("server.address", http.authority().host());
                span.setAttribute("server.port", http.authority().port() > 0 ? http.authority().port() : (http.isSSL() ? 443 : 80));
            }
        }
    }

    @Override
    public void onComplete(Exchange exchange, Completion completion) {
        TraceContext trace = exchange.get(TraceContext.KEY);
        if (trace == null || trace.span() == null) {
            return;
        }
        Span span = trace.span();
        List<UpstreamTry> tries = exchange.get(RequestContext.TRIES);
        if (tries != null) {
            for (UpstreamTry t : tries) {
                span.addEvent("warden.upstream_try", Attributes.builder().put("gen_ai.request.model", t.route().model().name())
                        .put("warden.upstream", t.route().upstream().authority()).put("warden.region", t.route().upstream().region())
                        .put("http.response.status_code", t.status()).put("warden.reason", t.reason()).build());
            }
        }
        int status = completion.status() == 0 ? 499 : completion.status();
        String errorCode = completion.error() == null ? null : completion.error().code().code();
        String errorType = errorCode != null ? errorCode : status >= 500 ? Integer.toString(status) : null;
        String tenant = exchange.verifiedTenant();
        if (tenant != null) {
            span.setAttribute("warden.tenant", tenant);
        }
        String model = exchange.get(RequestContext.MODEL);
        Operation operation = exchange.request().operation();
        if (model != null) {
            span.setAttribute("gen_ai.operation.name", GenAiNames.operation(operation));
            span.setAttribute("gen_ai.request.model", model);
        }
        span.setAttribute("http.response.status_code", status);
        span.setAttribute("gen_ai.usage.input_tokens", completion.usage().inputTokens());
        span.setAttribute("gen_ai.usage.output_tokens", completion.usage().outputTokens());
        if (errorCode != null) {
            span.setAttribute("warden.error_code", errorCode);
        }
        if (errorType != null) {
            span.setAttribute("error.type", errorType);
        }
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        Long sent = exchange.get(RequestContext.UPSTREAM_SENT_NANOS);
        SelectedRoute route = exchange.get(RequestContext.ROUTE);
        if (sent != null && route != null && model != null) {
            upstreamSpan(trace, exchange, completion, route, model, operation, sent, errorType);
        }
        span.end();
    }

    /** The upstream call that became the answer: a client span in the GenAI conventions, child of the server span. */
    private void upstreamSpan(TraceContext trace, Exchange exchange, Completion completion, SelectedRoute route, String model,
                              Operation operation, long sentNanos, String errorType) {
        long startEpochNanos = trace.startEpochNanos() + (sentNanos - exchange.startNanos());
        String op = GenAiNames.operation(operation);
        Span call = tracing.tracer().spanBuilder(op + " " + model).setSpanKind(SpanKind.CLIENT)
                .setParent(Context.root().with(trace.span()))
                .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS).startSpan();
        call.setAttribute("gen_ai.operation.name", op);
        call.setAttribute("gen_ai.provider.name", GenAiNames.provider(route.upstream().provider()));
        call.setAttribute("gen_ai.request.model", model);
        String answered = exchange.get(RequestContext.RESPONSE_MODEL);
        if (answered != null) {
            call.setAttribute("gen_ai.response.model", answered);
        }
        String finish = exchange.get(RequestContext.FINISH_REASON);
        if (finish != null) {
            call.setAttribute(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of(finish));
        }
        String responseId = exchange.get(RequestContext.RESPONSE_OBJECT_ID);
        if (responseId != null) {
            call.setAttribute("gen_ai.response.id", responseId);
        }
        call.setAttribute("gen_ai.usage.input_tokens", completion.usage().inputTokens());
        call.setAttribute("gen_ai.usage.output_tokens", completion.usage().outputTokens());
        call.setAttribute("server.address", route.upstream().host());
        call.setAttribute("server.port", route.upstream().port());
        call.setAttribute("warden.region", route.upstream().region());
        if (errorType != null) {
            call.setAttribute("error.type", errorType);
            if (completion.status() >= 500 || completion.status() == 0) {
                call.setStatus(StatusCode.ERROR);
            }
        }
        call.end();
    }
}
