package dev.warden.pipeline;

/** The data-plane operations Warden serves; each maps to one upstream route. */
public enum Operation {
    CHAT_COMPLETIONS("/v1/chat/completions", true),
    COMPLETIONS("/v1/completions", true),
    EMBEDDINGS("/v1/embeddings", true),
    LIST_MODELS("/v1/models", false),
    PREDICT(null, true);

    private final String upstreamPath;
    private final boolean inference;

    Operation(String upstreamPath, boolean inference) {
        this.upstreamPath = upstreamPath;
        this.inference = inference;
    }

    /** The fixed upstream path, or null when it depends on the model ({@link #PREDICT}). */
    public String upstreamPath() {
        return upstreamPath;
    }

    /** Whether the operation calls a model (and so needs the inference permission and a route). */
    public boolean inference() {
        return inference;
    }

    /** The OpenAI-style operations take the model from the JSON body. */
    public boolean modelInBody() {
        return this == CHAT_COMPLETIONS || this == COMPLETIONS || this == EMBEDDINGS;
    }
}
