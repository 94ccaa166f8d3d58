package dev.warden.exchange;

/**
 * Checks what a model streams back, piece by piece, for the tenant's guardrails (set by the guard
 * stage, called by the relay): each piece of text as it arrives, with what came before it in mind
 * (a card number split over two events is still found).
 */
public interface OutputCheck {
    /** The next piece of the answer's text; null to pass it on, or the id of the rule that ends the stream. */
    String feed(String piece);
}
