package dev.warden.provider.anthropic;

/** Why a model stopped, in each API's words. */
final class StopReasons {
    private StopReasons() {
    }

    /** An Anthropic {@code stop_reason} as an OpenAI {@code finish_reason}. */
    static String toOpenAi(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** An OpenAI {@code finish_reason} as an Anthropic {@code stop_reason}. */
    static String toAnthropic(String finishReason) {
        if (finishReason == null) {
            return null;
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }
}
