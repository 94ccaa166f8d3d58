package dev.warden.provider;

import dev.warden.pipeline.Usage;

/**
 * Turns a model's server-sent events into the ones the client's API expects, event by event (one
 * instance per stream), and reads on the way what the gateway needs: the tokens used and the text
 * produced.
 */
public interface StreamTranslator {
    /** Where translated events go: an event name (null: none) and one line of JSON data (or {@code [DONE]}). */
    interface Events {
        void event(String name, String data);
    }

    /** What became of one upstream event. */
    enum Step {
        /** Translated (perhaps into nothing). */
        OK,
        /** Not an event of the API it claims to speak: the stream is broken. */
        MALFORMED,
        /** The upstream said the stream failed (Anthropic's {@code error} event). */
        UPSTREAM_ERROR
    }

    /** One upstream event: its name (or null) and its data. */
    Step onEvent(String name, String data, Events out);

    /** The upstream's stream ended normally: anything still owed to the client. */
    void onEnd(Events out);

    /** The tokens the upstream reported, or null if it reported none (yet). */
    Usage usage();

    /** The text produced so far (counted when no usage comes). */
    String text();

    /** The model the upstream says answered, once it said so (the trace's {@code gen_ai.response.model}), or null. */
    String model();

    /** Why the upstream's model stopped, in the upstream's own words ({@code end_turn}, {@code stop}...), or null. */
    String finishReason();
}
