package dev.warden.config;

import java.util.Locale;

/** The kinds of personal data and secrets the guardrails find in text; each is a rule ({@code pii.<id>}). */
public enum PiiKind {
    /** API keys and tokens of known shapes, and PEM private keys. */
    SECRET,
    /** Payment card numbers: 13 to 19 digits, spaces or hyphens between groups, Luhn-valid. */
    CARD,
    /** International bank account numbers, mod-97 valid. */
    IBAN,
    /** US social security numbers (AAA-GG-SSSS, outside the ranges never issued). */
    SSN,
    EMAIL,
    /** IPv4 and IPv6 addresses. */
    IP,
    /** Phone numbers: 9 to 15 digits, optionally with a + country code and separators. */
    PHONE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The rule id of this kind: {@code pii.email}... */
    public String rule() {
        return "pii." + id();
    }

    public static PiiKind of(String id) {
        for (PiiKind k : values()) {
            if (k.id().equals(id)) {
                return k;
            }
        }
        return null;
    }
}
