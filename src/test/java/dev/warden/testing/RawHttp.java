package dev.warden.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Raw-socket HTTP/1.1 for hostile inputs that client libraries refuse to send. Sends the bytes,
 * reads until the server closes or goes quiet, and returns everything it answered.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /** What came back: the raw text, whether the server closed the connection. */
    public record Answer(String text, boolean closed) {
        public int status() {
            if (!text.startsWith("HTTP/1.1 ") && !text.startsWith("HTTP/1.0 ")) {
                return -1;
            }
            return Integer.parseInt(text.substring(9, 12));
        }

        /** How many HTTP responses the text holds. */
        public int responses() {
            int n = 0;
            int i = 0;
            while ((i = text.indexOf("HTTP/1.", i)) >= 0) {
                n++;
                i += 9;
            }
            return n;
        }
    }

    public static Answer send(int port, String request) {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1), 1500);
    }

    public static Answer send(int port, byte[] request, int quietMs) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(quietMs);
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the server may close while we still send a huge request: read what it said
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            boolean closed = false;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException quiet) {
                closed = false;
            } catch (IOException reset) {
                closed = true;
            }
            return new Answer(out.toString(StandardCharsets.ISO_8859_1), closed);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
