#!/usr/bin/env python3
"""gen-raw.py - raw inventory records for `make bench` (bench/run).

Writes OUTDIR/softlayer.ndjson and OUTDIR/sos.ndjson: N devices a side
(plus about 2% VLANs), shaped like the fetchers' raw records
(docs/FORMATS.md section 1) and about 370 bytes a line, with a share DRIFT of
planted differences between the sides (a third missing from SOS, a third
missing from SoftLayer, a third with a different private IP).  With the
word "renames" as a fourth argument, a third are renames instead (SOS
keeps the device's old name and its SoftLayer id: sosr-diff --fallback
pairs them by id), a third are missing (from SOS and from SoftLayer in
turn) and a third have a different private IP.  SoftLayer
lines come in id order and SOS lines in another order, so that both sides
need sorting.  Deterministic: the same arguments give the same bytes.

Usage: gen-raw.py N DRIFT OUTDIR [renames]   (e.g. gen-raw.py 1000000 0.01 /tmp/b)
"""
import os
import random
import sys


def main():
    if len(sys.argv) not in (4, 5) or (len(sys.argv) == 5 and sys.argv[4] != "renames"):
        sys.exit(__doc__)
    n, drift, outdir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    renames = len(sys.argv) == 5
    os.makedirs(outdir, exist_ok=True)
    rnd = random.Random(42)
    roles = ["web", "db", "etcd", "kube", "cache", "mq", "api", "log"]
    dcs = ["dal10", "dal12", "wdc04", "fra02", "lon06", "tok02"]
    nvlan = max(1, n // 50)
    ndev = n - nvlan + (int(n * drift / 3) if drift > 0 else 0)  # a side loses a third of the drift
    every = int(1 / drift) if drift > 0 else 0
    sl = open(os.path.join(outdir, "softlayer.ndjson"), "w")
    sos_lines = []
    for i in range(ndev):
        x = (i * 2654435761) % (1 << 32)
        role = roles[x % len(roles)]
        dc = dcs[(x >> 8) % len(dcs)]
        host = "%s-%s-%08x" % (role, dc, x)
        dom = "alc.example.com"
        sid = 1000000 + i
        priv = "10.%d.%d.%d" % ((x >> 16) & 255, (x >> 8) & 255, x & 255)
        pub = "169.%d.%d.%d" % (45 + (x >> 24) % 10, (x >> 16) & 255, (x >> 8) & 255)
        serial = "SL%08X" % (x ^ 0x5A5A5A5A)
        kind = rnd.random()
        drift_kind = (i // every) % 3 if every and i % every == 0 else -1
        rename = False
        if renames and drift_kind >= 0:
            # 0: missing (SOS, then SoftLayer, in turn), 2: private IP, 1: renamed
            rename = drift_kind == 1
            drift_kind = {0: (i // every // 3) % 2, 1: -1, 2: 2}[drift_kind]
        if drift_kind != 1:
            sl.write('{"source":"softlayer","account":"659397","type":"hardware","data":'
                     '{"id":%d,"hostname":"%s","domain":"%s",'
                     '"primaryIpAddress":"%s","primaryBackendIpAddress":"%s",'
                     '"serialNumber":"%s","hardwareStatus":{"status":"ACTIVE"},"datacenter":{"name":"%s"},'
                     '"provisionDate":"2025-%02d-%02dT01:51:56-06:00"}}\n'
                     % (sid, host, dom, pub, priv, serial, dc,
                        1 + x % 12, 1 + x % 28))
        if drift_kind == 0:
            continue
        if drift_kind == 2:
            priv = "10.250.%d.%d" % ((x >> 8) & 255, x & 255)
        sos_lines.append((x ^ 0x33333333,
                          '{"source":"sos","c_code":"ALC","type":"device","data":'
                          '{"hostname":"%s","domain":"%s","ip_address":"%s","public_ip":"%s",'
                          '"datacenter":"%s","serial":"%s","softlayer_id":%d,"device_type":"Bare Metal",'
                          '"c_code":"ALC","application":"armada-%s","environment":"prod","status":"Live",'
                          '"updated":"2026-11-25T04:12:00Z"}}\n'
                          % (host + "-old" if rename else host.upper() if kind < 0.1 else host,
                             dom, priv, pub, dc.upper(), serial,
                             sid, role, )))
    for v in range(nvlan):
        dc = dcs[v % len(dcs)]
        router = "bcr%02da.%s" % (1 + v // 3000, dc)
        num = 1000 + v % 3000
        vid = 2000000 + v
        space = "PRIVATE" if v % 2 else "PUBLIC"
        sl.write('{"source":"softlayer","account":"659397","type":"vlan","data":'
                 '{"id":%d,"vlanNumber":%d,"name":"vlan-%d","networkSpace":"%s",'
                 '"fullyQualifiedName":"%s.%s.%d","primaryRouter":{"hostname":"%s",'
                 '"datacenter":{"name":"%s"}},"podName":"%s.pod01"}}\n'
                 % (vid, num, v, space, dc, router.split(".")[0], num, router, dc, dc))
        sos_lines.append((v * 2654435761 % (1 << 32),
                          '{"source":"sos","c_code":"ALC","type":"vlan","data":'
                          '{"vlan_id":%d,"vlan_number":%d,"router":"%s","datacenter":"%s",'
                          '"network_space":"%s","name":"vlan-%d","scan_zone":"ALC-%s-%s","c_code":"ALC"}}\n'
                          % (vid, num, router, dc, space, v, dc.upper(), space)))
    sl.close()
    sos_lines.sort()
    with open(os.path.join(outdir, "sos.ndjson"), "w") as f:
        f.writelines(line for _, line in sos_lines)


main()
