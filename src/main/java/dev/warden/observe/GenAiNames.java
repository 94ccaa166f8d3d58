package dev.warden.observe;

import dev.warden.config.ProviderKind;
import dev.warden.pipeline.Operation;
import java.util.Locale;

/**
 * The names OpenTelemetry's semantic conventions give what Warden does: the HTTP route of each
 * operation (the server span's name is {@code METHOD route}) and the GenAI operation and provider
 * names of the upstream call ({@code gen_ai.operation.name}, {@code gen_ai.provider.name}).
 */
final class GenAiNames {
    private GenAiNames() {
    }

    /** The route template, low-cardinality: ids and tenants in paths are placeholders. */
    static String route(Operation operation) {
        return switch (operation) {
            case MODEL_GET -> "/v1/models/{model}";
            case RESPONSE_GET, RESPONSE_DELETE -> "/v1/responses/{response_id}";
            case FILE_GET, FILE_DELETE -> "/v1/files/{file_id}";
            case FILE_CONTENT -> "/v1/files/{file_id}/content";
            case BATCH_GET -> "/v1/batches/{batch_id}";
            case BATCH_CANCEL -> "/v1/batches/{batch_id}/cancel";
            case PREDICT -> "/api/v1/tenants/{tenant}/models/{model}/predict";
            case JOB_CREATE, JOB_LIST -> "/api/v1/tenants/{tenant}/jobs";
            case JOB_GET -> "/api/v1/tenants/{tenant}/jobs/{job_id}";
            case JOB_CANCEL -> "/api/v1/tenants/{tenant}/jobs/{job_id}/cancel";
            default -> operation.upstreamPath();
        };
    }

    /** {@code gen_ai.operation.name}: the convention's well-known values where one fits, else Warden's operation. */
    static String operation(Operation operation) {
        return switch (operation) {
            case CHAT_COMPLETIONS, MESSAGES, RESPONSES -> "chat";
            case COMPLETIONS -> "text_completion";
            case EMBEDDINGS -> "embeddings";
            case IMAGES -> "generate_content";
            default -> operation.name().toLowerCase(Locale.ROOT);
        };
    }

    /** {@code gen_ai.provider.name} of an upstream that speaks {@code provider}. */
    static String provider(ProviderKind provider) {
        return switch (provider) {
            case OPENAI -> "openai";
            case AZURE_OPENAI -> "azure.ai.openai";
            case ANTHROPIC -> "anthropic";
        };
    }
}
