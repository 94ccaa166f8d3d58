package dev.warden.proxy;

import dev.warden.config.ProviderKind;
import dev.warden.pipeline.Operation;

/** Which API the client speaks against which the upstream speaks, and so what Warden translates. */
enum Translation {
    /** The same API on both sides (OpenAI to an OpenAI-compatible or Azure server). */
    NONE,
    /** An OpenAI client, an Anthropic upstream: chat completions over the Messages API. */
    CHAT_OVER_MESSAGES,
    /** An Anthropic client, an OpenAI-compatible upstream: the Messages API over chat completions. */
    MESSAGES_OVER_CHAT,
    /** An Anthropic client, an Anthropic upstream: passed on, read on the way. */
    MESSAGES_NATIVE;

    static Translation of(Operation operation, ProviderKind upstream) {
        boolean anthropicUpstream = upstream == ProviderKind.ANTHROPIC;
        if (operation == Operation.MESSAGES) {
            return anthropicUpstream ? MESSAGES_NATIVE : MESSAGES_OVER_CHAT;
        }
        return anthropicUpstream && operation == Operation.CHAT_COMPLETIONS ? CHAT_OVER_MESSAGES : NONE;
    }

    /** Whether the client reads Anthropic's shapes (its answers and its errors). */
    boolean anthropicClient() {
        return this == MESSAGES_OVER_CHAT || this == MESSAGES_NATIVE;
    }
}
