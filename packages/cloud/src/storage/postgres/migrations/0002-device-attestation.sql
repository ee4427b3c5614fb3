-- Keyless devices (Modbus, OPC UA): 'edge-attested' means the device's edge signs its frames on its
-- behalf (the device row then holds the edge's algorithm and an empty key); 'device-signed' frames
-- carry the device's own signature.
ALTER TABLE device ADD COLUMN attestation TEXT NOT NULL DEFAULT 'device-signed';
