package dev.warden.config;

import java.util.Locale;

/**
 * What speaks at the other end of a pool, and so how Warden calls it: the path, the body's
 * dialect, the version it asks for. Clients keep speaking OpenAI (or Anthropic, on
 * {@code /v1/messages}); Warden translates where the two differ.
 */
public enum ProviderKind {
    /** OpenAI, and every server that speaks its API: vLLM, TGI, Ollama, llama.cpp, SGLang, the sim. */
    OPENAI("openai"),
    /** Azure OpenAI: deployment-named paths ({@code /openai/deployments/{deployment}/...}) and an {@code api-version} query. */
    AZURE_OPENAI("azure-openai"),
    /** Anthropic's Messages API ({@code /v1/messages}). */
    ANTHROPIC("anthropic");

    private final String id;

    ProviderKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The kind named {@code id}, or null. */
    public static ProviderKind parse(String id) {
        for (ProviderKind k : values()) {
            if (k.id.equals(id.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        return null;
    }

    /** Whether the provider takes this OpenAI-style operation path (chat, completions, embeddings, responses, moderations) at all. */
    public boolean offers(String openAiPath) {
        return switch (this) {
            case OPENAI, AZURE_OPENAI -> true;
            case ANTHROPIC -> openAiPath.equals("/v1/chat/completions") || openAiPath.equals("/v1/messages");
        };
    }
}
