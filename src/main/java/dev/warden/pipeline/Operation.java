package dev.warden.pipeline;

import io.vertx.core.http.HttpMethod;

/** The data-plane operations Warden serves. */
public enum Operation {
    CHAT_COMPLETIONS("/v1/chat/completions", Kind.INFERENCE, HttpMethod.POST),
    COMPLETIONS("/v1/completions", Kind.INFERENCE, HttpMethod.POST),
    EMBEDDINGS("/v1/embeddings", Kind.INFERENCE, HttpMethod.POST),
    /** Anthropic's Messages API, for Anthropic clients: answered by any model, translated where its pool speaks OpenAI. */
    MESSAGES("/v1/messages", Kind.INFERENCE, HttpMethod.POST),
    /** OpenAI's Responses API: like chat, and the response it stores is its tenant's ({@code RESPONSE_GET}, {@code RESPONSE_DELETE}). */
    RESPONSES("/v1/responses", Kind.INFERENCE, HttpMethod.POST),
    MODERATIONS("/v1/moderations", Kind.INFERENCE, HttpMethod.POST),
    /** Image generation: priced by the tokens the model reports (or, reporting none, n x the model's output cap). */
    IMAGES("/v1/images/generations", Kind.INFERENCE, HttpMethod.POST),
    /** Speech to text: a multipart upload (the audio streamed to disk under a cap), its fields read like a body's. */
    AUDIO_TRANSCRIPTIONS("/v1/audio/transcriptions", Kind.INFERENCE, HttpMethod.POST),
    AUDIO_TRANSLATIONS("/v1/audio/translations", Kind.INFERENCE, HttpMethod.POST),
    LIST_MODELS("/v1/models", Kind.READ, HttpMethod.GET),
    /** {@code GET /v1/models/{id}}: one of the caller's models, answered here. */
    MODEL_GET(null, Kind.READ, HttpMethod.GET),
    /** {@code GET /v1/responses/{id}}: a stored response of the caller's tenant, from the upstream that holds it. */
    RESPONSE_GET(null, Kind.STORED, HttpMethod.GET),
    RESPONSE_DELETE(null, Kind.STORED, HttpMethod.DELETE),
    /** {@code /v1/files...}: the tenant's files, kept (sealed) in the control store and answered by the files stage. */
    FILE_UPLOAD("/v1/files", Kind.STORED, HttpMethod.POST),
    FILE_LIST("/v1/files", Kind.STORED, HttpMethod.GET),
    FILE_GET(null, Kind.STORED, HttpMethod.GET),
    FILE_CONTENT(null, Kind.STORED, HttpMethod.GET),
    FILE_DELETE(null, Kind.STORED, HttpMethod.DELETE),
    /** {@code /v1/batches...}: the tenant's batches, run by Warden over its own pools (the batches stage). */
    BATCH_CREATE("/v1/batches", Kind.STORED, HttpMethod.POST),
    BATCH_LIST("/v1/batches", Kind.STORED, HttpMethod.GET),
    BATCH_GET(null, Kind.STORED, HttpMethod.GET),
    BATCH_CANCEL(null, Kind.STORED, HttpMethod.POST),
    PREDICT(null, Kind.INFERENCE, HttpMethod.POST),
    /** Starts a long-running job on the model's pool ({@code POST /api/v1/tenants/{t}/jobs}). */
    JOB_CREATE(null, Kind.JOB_WRITE, HttpMethod.POST),
    JOB_LIST(null, Kind.JOB_READ, HttpMethod.GET),
    JOB_GET(null, Kind.JOB_READ, HttpMethod.GET),
    JOB_CANCEL(null, Kind.JOB_WRITE, HttpMethod.POST);

    /** What an operation does, which decides the stages that act on it. */
    public enum Kind { INFERENCE, READ, JOB_READ, JOB_WRITE, STORED }

    private final String upstreamPath;
    private final Kind kind;
    private final HttpMethod method;

    Operation(String upstreamPath, Kind kind, HttpMethod method) {
        this.upstreamPath = upstreamPath;
        this.kind = kind;
        this.method = method;
    }

    /** The fixed upstream path, or null when it depends on the model or the job. */
    public String upstreamPath() {
        return upstreamPath;
    }

    public Kind kind() {
        return kind;
    }

    /** The one method the route accepts. */
    public HttpMethod method() {
        return method;
    }

    /** Whether the operation calls a model through the forwarding stages. */
    public boolean inference() {
        return kind == Kind.INFERENCE;
    }

    /** The body fields that cap the output: the Responses API's own, or chat's and completions' two. */
    public String[] outputCapFields() {
        return switch (this) {
            case RESPONSES -> new String[] {"max_output_tokens"};
            case IMAGES, EMBEDDINGS, MODERATIONS, AUDIO_TRANSCRIPTIONS, AUDIO_TRANSLATIONS -> new String[0]; // no field caps their output
            default -> new String[] {"max_tokens", "max_completion_tokens"};
        };
    }

    /** Reads or deletes a stored object (a response) the tenant owns, on the upstream that holds it. */
    public boolean stored() {
        return this == RESPONSE_GET || this == RESPONSE_DELETE;
    }

    /** One of the batch operations (answered by the batches stage from the control store). */
    public boolean batch() {
        return this == BATCH_CREATE || this == BATCH_LIST || this == BATCH_GET || this == BATCH_CANCEL;
    }

    /** One of the files operations (answered by the files stage from the control store). */
    public boolean file() {
        return this == FILE_UPLOAD || this == FILE_LIST || this == FILE_GET || this == FILE_CONTENT || this == FILE_DELETE;
    }

    /** One of the long-running job operations (answered by the jobs stage). */
    public boolean job() {
        return kind == Kind.JOB_READ || kind == Kind.JOB_WRITE;
    }

    /** Spoken by Anthropic's SDKs: its refusals are in Anthropic's error shape. */
    public boolean anthropicDialect() {
        return this == MESSAGES;
    }

    /** Carries a JSON body the gateway reads and checks. */
    public boolean hasBody() {
        return (kind == Kind.INFERENCE && !audio()) || this == JOB_CREATE || this == BATCH_CREATE;
    }

    /** Takes an audio file as a multipart upload. */
    public boolean audio() {
        return this == AUDIO_TRANSCRIPTIONS || this == AUDIO_TRANSLATIONS;
    }

    /** Names a model the caller must be allowed to use, and so needs a route to the model's pool. */
    public boolean usesModel() {
        return kind == Kind.INFERENCE || this == JOB_CREATE;
    }

    /** The model is named in the JSON body (OpenAI-style operations and job creation). */
    public boolean modelInBody() {
        return this == CHAT_COMPLETIONS || this == COMPLETIONS || this == EMBEDDINGS || this == MESSAGES || this == RESPONSES
                || this == MODERATIONS || this == IMAGES || audio() || this == JOB_CREATE;
    }
}
