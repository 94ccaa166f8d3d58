package dev.warden.observe;

/**
 * Writes one {@code "name":"value"} JSON field with every character that could end a line, forge
 * a field or drive a terminal escaped (quotes, backslashes, controls, DEL, C1, U+2028/9): a log
 * line stays one line and one record, whatever a client put in a value.
 */
public final class SecurityLogFields {
    private SecurityLogFields() {
    }

    public static StringBuilder escape(StringBuilder sb, String name, String value) {
        sb.append('"').append(name).append("\":");
        if (value == null) {
            return sb.append("null");
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }
}
