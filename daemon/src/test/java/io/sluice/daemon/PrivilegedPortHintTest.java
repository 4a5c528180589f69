package io.sluice.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import org.junit.jupiter.api.Test;

class PrivilegedPortHintTest {

    @Test
    void aRefusedPortBelow1024_namesTheCapabilityAndTheDropIn() {
        String hint = SluiceDaemon.privilegedPortHint(883, new BindException("bind(..) failed: Permission denied"));
        assertTrue(hint.contains("CAP_NET_BIND_SERVICE") && hint.contains("systemctl edit sluice"), hint);
    }

    @Test
    void otherFailures_getNoHint() {
        assertEquals("", SluiceDaemon.privilegedPortHint(1883, new BindException("Permission denied")));
        assertEquals("", SluiceDaemon.privilegedPortHint(883, new BindException("Address already in use")));
    }
}
