// Services started at boot, SSH/TLS configuration, the backdoor chain and file-system modes:
// the initsys parsers, then generated root file systems scanned with assay::scan (each rule
// positive and negative), then the corpus ground truth (DVAR ARM/MIPSEL, the Debian packages).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "assay/scan.hpp"
#include "formats/initsys/initsys.hpp"
#include "support/test_support.hpp"

namespace assay {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& root, const std::string& rel, const std::string& text, fs::perms mode = fs::perms::none) {
  fs::path p = root / rel;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  if (mode != fs::perms::none) fs::permissions(p, mode);
}

void link(const fs::path& root, const std::string& rel, const std::string& target) {
  fs::path p = root / rel;
  fs::create_directories(p.parent_path());
  fs::create_symlink(target, p);
}

Assessment scan_dir(const std::string& p) {
  ScanOptions o;
  o.jobs = 2;
  auto r = scan(p, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Assessment{};
}

std::vector<const Finding*> findings(const Assessment& a, const std::string& rule) {
  std::vector<const Finding*> v;
  for (const auto& f : a.findings)
    if (f.rule_id == rule) v.push_back(&f);
  return v;
}

std::vector<std::string> services_of(const Assessment& a) {
  std::vector<std::string> v;
  for (const auto& f : a.facts)
    if (f.type == "system.services")
      for (const auto& s : f.data["services"]) {
        v.push_back(s["name"].get<std::string>());
        std::string p = s["program"].get<std::string>();
        v.push_back(p.substr(p.find_last_of('/') + 1));  // "miniweb" (name: its role entry, httpd)
      }
  return v;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// ------------------------------------------------------------------------------------------------
// Parsers

TEST(InitsysShell, TokenizesCommandsBackgroundAndContext) {
  std::string script =
      "#!/bin/sh\n"
      "PROG=/usr/sbin/dropbear\n"
      "# comment &\n"
      "[ -x /usr/sbin/telnetd ] && /usr/sbin/telnetd -l /bin/login &\n"
      "echo 'a; b & c' > /dev/null 2>&1; miniupnpd -f \\\n  /etc/miniupnpd.conf\n"
      "cat <<EOF\ntelnetd -l /bin/sh &\nEOF\n"
      "case \"$1\" in\n start) start-stop-daemon -S -x /usr/sbin/snmpd -- -c /etc/snmpd.conf ;;\n"
      " stop) killall telnetd ;;\nesac\n"
      "start_service() {\n  procd_set_param command \"$PROG\" -F -P /var/run/d.pid\n}\n";
  auto s = initsys::parse_shell(as_bytes(script));
  ASSERT_GE(s.commands.size(), 6u);
  EXPECT_EQ(s.variable("PROG").value_or(""), "/usr/sbin/dropbear");
  const initsys::ShellCommand* telnetd = nullptr;
  const initsys::ShellCommand* upnp = nullptr;
  for (const auto& c : s.commands) {
    if (c.words[0] == "/usr/sbin/telnetd") telnetd = &c;
    if (c.words[0] == "miniupnpd") upnp = &c;
    EXPECT_NE(c.words[0], "-l");  // nothing from the here-document
    if (c.words[0] == "killall") {
      EXPECT_EQ(c.context, "stop");
    }
    if (c.words[0] == "start-stop-daemon") {
      EXPECT_EQ(c.context, "start");
    }
    if (c.words[0] == "procd_set_param") {
      EXPECT_EQ(c.context, "start_service");
      EXPECT_EQ(s.expand(c.words[2]), "/usr/sbin/dropbear");
    }
    if (c.words[0] == "echo") {
      ASSERT_EQ(c.words.size(), 2u);  // the redirections are gone
      EXPECT_EQ(c.words[1], "a; b & c");
      EXPECT_FALSE(c.background);
    }
  }
  ASSERT_NE(telnetd, nullptr);
  EXPECT_TRUE(telnetd->background);
  EXPECT_EQ(telnetd->line, 4u);
  ASSERT_NE(upnp, nullptr);
  ASSERT_EQ(upnp->words.size(), 3u);  // the continuation joined the lines
  EXPECT_EQ(upnp->words[2], "/etc/miniupnpd.conf");
}

TEST(InitsysConfig, ParsesInittabUciInetdXinetdCron) {
  auto it = initsys::parse_inittab(as_bytes(std::string("::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh\n# x\n")));
  ASSERT_EQ(it.size(), 2u);
  EXPECT_EQ(it[1].id, "ttyS0");
  EXPECT_EQ(it[1].action, "respawn");
  EXPECT_EQ(it[1].process, "/bin/sh");
  auto uci = initsys::parse_uci(as_bytes(std::string("config dropbear\n\toption PasswordAuth 'on'\n\tlist x \"a b\"\n")));
  ASSERT_EQ(uci.size(), 1u);
  EXPECT_EQ(uci[0].option("PasswordAuth").value_or(""), "on");
  EXPECT_EQ(uci[0].option("x").value_or(""), "a b");
  auto inetd = initsys::parse_inetd(as_bytes(std::string("telnet stream tcp nowait root /usr/sbin/tcpd in.telnetd\n")));
  ASSERT_EQ(inetd.size(), 1u);
  EXPECT_EQ(inetd[0].server, "/usr/sbin/tcpd");
  auto x = initsys::parse_xinetd(as_bytes(std::string("service telnet\n{\n disable = no\n server = /usr/sbin/in.telnetd\n}\n")));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].attribute("server").value_or(""), "/usr/sbin/in.telnetd");
  auto cron = initsys::parse_crontab(as_bytes(std::string("MAILTO=root\n*/5 * * * * /sbin/check.sh -q\n@reboot root /x\n")), false);
  ASSERT_EQ(cron.size(), 2u);
  EXPECT_EQ(cron[0].schedule, "*/5 * * * *");
  EXPECT_EQ(cron[0].command, "/sbin/check.sh -q");
  auto nginx = initsys::parse_config(as_bytes(std::string("server {\n  listen 443 ssl;\n  ssl_protocols TLSv1 TLSv1.2;\n}\n")),
                                     initsys::ConfigStyle::kSpace);
  ASSERT_EQ(nginx.size(), 2u);
  EXPECT_EQ(nginx[1].values.size(), 2u);
  EXPECT_EQ(nginx[1].section, "server");
}

// ------------------------------------------------------------------------------------------------
// Generated systems

TEST(Services, DebugConsoleInInittab) {
  test::TempDir d;
  put(d.path(), "etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh\n::askfirst:-/bin/sh\n");
  Assessment a = scan_dir(d.str());
  auto f = findings(a, "services.debug-console");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->evidence.size(), 2u);

  test::TempDir ok;
  put(ok.path(), "etc/inittab", "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n");
  EXPECT_EQ(findings(scan_dir(ok.str()), "services.debug-console").size(), 0u);
}

TEST(Services, TelnetWithLoginVersusShell) {
  test::TempDir d;
  put(d.path(), "etc/init.d/rcS", "#!/bin/sh\nmount -a\n/usr/sbin/telnetd -l /bin/login &\necho done\n");
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "services.telnet").size(), 1u);
  EXPECT_EQ(findings(a, "services.telnet-no-login").size(), 0u);
  auto names = services_of(a);
  EXPECT_TRUE(contains(names, "telnetd"));
  EXPECT_FALSE(contains(names, "mount"));  // commands are not services
  EXPECT_FALSE(contains(names, "echo"));

  test::TempDir sh;
  put(sh.path(), "etc/rc.local", "busybox telnetd -p 2323 -l /bin/sh\n");
  Assessment b = scan_dir(sh.str());
  auto f = findings(b, "services.telnet-no-login");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->severity, Severity::kCritical);
  EXPECT_NE(f[0]->description.find("port 2323"), std::string::npos);
}

TEST(Services, SystemdUnitOnlyWhenEnabled) {
  test::TempDir d;
  std::string unit = "[Unit]\nDescription=telnet\n[Service]\nExecStart=-/usr/sbin/telnetd -F\n[Install]\nWantedBy=multi-user.target\n";
  put(d.path(), "lib/systemd/system/telnetd.service", unit);
  EXPECT_EQ(findings(scan_dir(d.str()), "services.telnet").size(), 0u);
  link(d.path(), "etc/systemd/system/multi-user.target.wants/telnetd.service", "/lib/systemd/system/telnetd.service");
  EXPECT_EQ(findings(scan_dir(d.str()), "services.telnet").size(), 1u);
}

TEST(Services, InetdTelnetAndFtp) {
  test::TempDir d;
  put(d.path(), "etc/inetd.conf",
      "telnet stream tcp nowait root /usr/sbin/tcpd in.telnetd\n#ftp stream tcp nowait root /usr/sbin/ftpd ftpd\n"
      "tftp dgram udp wait nobody /usr/sbin/tcpd in.tftpd /srv/tftp\n");
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "services.telnet").size(), 1u);
  EXPECT_EQ(findings(a, "services.tftp").size(), 1u);
  EXPECT_EQ(findings(a, "services.ftp").size(), 0u);  // commented out
}

TEST(Services, SshdConfig) {
  test::TempDir d;
  put(d.path(), "etc/ssh/sshd_config", "Port 22\nPermitRootLogin yes\nPermitEmptyPasswords yes\n");
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "services.ssh-root-password").size(), 1u);
  EXPECT_EQ(findings(a, "services.ssh-empty-passwords").size(), 1u);

  test::TempDir ok;
  put(ok.path(), "etc/ssh/sshd_config", "#PermitRootLogin prohibit-password\nPasswordAuthentication yes\n");
  Assessment b = scan_dir(ok.str());
  EXPECT_EQ(findings(b, "services.ssh-root-password").size(), 0u);
  EXPECT_EQ(findings(b, "services.ssh-empty-passwords").size(), 0u);
}

TEST(Services, DropbearFlagsOnCommandLine) {
  test::TempDir d;
  put(d.path(), "etc/init.d/S50dropbear", "#!/bin/sh\nstart-stop-daemon -S -q -x /usr/sbin/dropbear -- -p 22 -B\n");
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "services.ssh-root-password").size(), 1u);
  EXPECT_EQ(findings(a, "services.ssh-empty-passwords").size(), 1u);
  test::TempDir ok;
  put(ok.path(), "etc/init.d/S50dropbear", "#!/bin/sh\nstart-stop-daemon -S -q -x /usr/sbin/dropbear -- -p 22 -w -s\n");
  Assessment b = scan_dir(ok.str());
  EXPECT_EQ(findings(b, "services.ssh-root-password").size(), 0u);
  EXPECT_EQ(findings(b, "services.ssh-empty-passwords").size(), 0u);
}

TEST(Services, AdbProps) {
  test::TempDir d;
  put(d.path(), "system/build.prop", "ro.build.type=userdebug\nro.debuggable=1\nro.secure=0\nservice.adb.tcp.port=5555\n");
  Assessment a = scan_dir(d.str());  // kept alive: findings() returns pointers into it
  auto f = findings(a, "services.adb-enabled");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->evidence.size(), 3u);
  test::TempDir ok;
  put(ok.path(), "system/build.prop", "ro.build.type=user\nro.debuggable=0\nro.secure=1\n");
  EXPECT_EQ(findings(scan_dir(ok.str()), "services.adb-enabled").size(), 0u);
}

TEST(InitsysAndroid, ParsesServicesActionsAndContinuations) {
  std::string rc =
      "import /init.${ro.hardware}.rc\n"
      "# comment\n"
      "on early-init && property:ro.debuggable=1\n"
      "    setprop service.adb.tcp.port 5555  # trailing comment\n"
      "    start adbd\n"
      "\n"
      "service adbd /system/bin/adbd \\\n"
      "        --root_seclabel=u:r:su:s0\n"
      "    class core\n"
      "    socket adbd seqpacket 660 system system\n"
      "    disabled\n"
      "    seclabel u:r:adbd:s0\n"
      "service console /system/bin/sh\n"
      "    console\n"
      "    user shell\n"
      "    group shell log \"read proc\"\n"
      "service adbd /system/bin/other\n"  // a redefinition: ignored, as init does
      "    class late_start\n";
  auto init = initsys::parse_android_init(as_bytes(rc));
  ASSERT_EQ(init.imports.size(), 1u);
  ASSERT_EQ(init.actions.size(), 1u);
  EXPECT_TRUE(init.actions[0].conditional());
  ASSERT_EQ(init.actions[0].commands.size(), 2u);
  EXPECT_EQ(init.actions[0].commands[0].words, (std::vector<std::string>{"setprop", "service.adb.tcp.port", "5555"}));
  ASSERT_EQ(init.services.size(), 2u);
  const auto& adbd = init.services[0];
  EXPECT_EQ(adbd.name, "adbd");
  EXPECT_EQ(adbd.program, "/system/bin/adbd");
  EXPECT_EQ(adbd.args, (std::vector<std::string>{"--root_seclabel=u:r:su:s0"}));
  EXPECT_EQ(adbd.line, 7u);
  EXPECT_EQ(adbd.classes, (std::vector<std::string>{"core"}));
  EXPECT_TRUE(adbd.disabled);
  EXPECT_EQ(adbd.user, "");
  ASSERT_EQ(adbd.sockets.size(), 1u);
  const auto& console = init.services[1];
  EXPECT_TRUE(console.console);
  EXPECT_EQ(console.user, "shell");
  EXPECT_EQ(console.groups, (std::vector<std::string>{"shell", "log", "read proc"}));
  // Garbage is skipped with a diagnostic, never a crash.
  auto junk = initsys::parse_android_init(as_bytes(std::string("\x01\x02 oops\nservice\non\n    start\n\\")));
  EXPECT_TRUE(junk.services.empty());
  EXPECT_FALSE(junk.diagnostics.empty());
}

TEST(Services, AndroidInitRootShellsAndAdb) {
  test::TempDir d;
  put(d.path(), "system/etc/init/debug.rc",
      "service telnetd /system/xbin/busybox telnetd -F -l /system/bin/sh\n"
      "    class main\n"
      "service rootsh /system/bin/sh\n"
      "    class core\n"
      "    console\n"
      "service bindsh /system/bin/toybox nc -L /system/bin/sh -p 4444\n"
      "    class main\n"
      "    user root\n"
      "    disabled\n"
      "service adbd /system/bin/adbd --root_seclabel=u:r:su:s0\n"
      "    class core\n"
      "    socket adbd stream 660 system system\n"
      "    disabled\n"
      "on boot\n"
      "    setprop service.adb.tcp.port 5555\n"
      "    setprop ro.adb.secure 0\n");
  // adbd is started from another file (the ramdisk's init.usb.rc in a real image).
  put(d.path(), "system/etc/init/usb.rc", "on property:sys.usb.config=adb\n    start adbd\n");
  Assessment a = scan_dir(d.str());
  auto shells = findings(a, "services.android-root-shell");
  std::map<std::string, const Finding*> by_key;
  for (const auto* f : shells) by_key[f->key] = f;
  ASSERT_EQ(by_key.size(), 3u);
  EXPECT_EQ(by_key["telnetd"]->severity, Severity::kHigh);
  EXPECT_EQ(by_key["rootsh"]->severity, Severity::kHigh);
  EXPECT_EQ(by_key["bindsh"]->severity, Severity::kMedium);  // disabled and never started
  EXPECT_EQ(by_key["bindsh"]->confidence, "medium");
  auto adb = findings(a, "services.adb-enabled");
  ASSERT_EQ(adb.size(), 1u);
  EXPECT_EQ(adb[0]->evidence.size(), 2u);
  EXPECT_EQ(adb[0]->confidence, "high");
  // The init services are in the inventory, and the product analyzer judges the enabled ones.
  auto names = services_of(a);
  EXPECT_TRUE(contains(names, "telnetd"));
  EXPECT_TRUE(contains(names, "adbd"));
  bool adbd_android = false;
  for (const auto& f : a.facts)
    if (f.type == "system.services" && f.data.value("source", "") == "android-init")
      for (const auto& s : f.data["services"])
        if (s["name"] == "adbd") {
          adbd_android = s["started_by"] == "android-init" && s["android"]["user"] == "root" && s["android"]["disabled"] == true;
        }
  EXPECT_TRUE(adbd_android);
  EXPECT_EQ(findings(a, "services.telnet").size(), 1u);
  EXPECT_EQ(findings(a, "services.telnet-no-login").size(), 1u);
}

TEST(Services, AndroidInitStockServicesAreQuiet) {
  test::TempDir d;
  // AOSP's shape: the console shell runs as `shell` and only on debuggable builds; daemons have
  // their own users; a oneshot script through sh is not an interactive shell; telnetd disabled and
  // never started stays out of the product judgement.
  put(d.path(), "system/etc/init/hw/init.rc",
      "on property:ro.debuggable=1\n"
      "    start console\n"
      "service console /system/bin/sh\n"
      "    class core\n"
      "    console\n"
      "    disabled\n"
      "    user shell\n"
      "    group shell log readproc\n"
      "    seclabel u:r:shell:s0\n"
      "service logd /system/bin/logd\n"
      "    class core\n"
      "    socket logd stream 0666 logd logd\n"
      "    user logd\n"
      "service vendor.setup /system/bin/sh /vendor/bin/init.setup.sh\n"
      "    class main\n"
      "    oneshot\n"
      "service telnetd /system/bin/telnetd -l /system/bin/login\n"
      "    user system\n"
      "    disabled\n"
      "on boot\n"
      "    setprop ro.adb.secure 1\n"
      "    setprop persist.sys.usb.config mtp\n");
  put(d.path(), "system/build.prop", "ro.build.type=user\nro.debuggable=0\nro.secure=1\nro.adb.secure=1\n");
  put(d.path(), "system/etc/ueventd.rc", "/dev/null 0666 root root\n");
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "services.android-root-shell").size(), 0u);
  EXPECT_EQ(findings(a, "services.adb-enabled").size(), 0u);
  EXPECT_EQ(findings(a, "services.telnet").size(), 0u);
  EXPECT_EQ(findings(a, "services.debug-console").size(), 0u);
  EXPECT_TRUE(contains(services_of(a), "logd"));
}

TEST(Services, UpnpSnmpAndCommunity) {
  test::TempDir d;
  put(d.path(), "etc/rc.local", "/usr/sbin/miniupnpd -f /etc/miniupnpd.conf\nsnmpd -c /etc/snmp/snmpd.conf &\n");
  put(d.path(), "etc/snmp/snmpd.conf", "rocommunity public default\nrwcommunity s3cr3t-unit-42 10.0.0.0/8\n");
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "services.upnp").size(), 1u);
  EXPECT_EQ(findings(a, "services.snmp").size(), 1u);
  auto c = findings(a, "services.snmp-default-community");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]->key, "public");
  EXPECT_EQ(c[0]->severity, Severity::kMedium);
}

TEST(Services, TlsSettings) {
  test::TempDir d;
  put(d.path(), "etc/lighttpd/lighttpd.conf",
      "server.port = 80\n$SERVER[\"socket\"] == \":443\" {\n  ssl.engine = \"enable\"\n  ssl.use-sslv3 = \"enable\"\n}\n");
  put(d.path(), "etc/nginx/nginx.conf",
      "server {\n listen 443 ssl;\n ssl_protocols TLSv1.2 TLSv1.3;\n ssl_ciphers 'RC4-SHA:HIGH:!aNULL:!MD5';\n}\n");
  Assessment a = scan_dir(d.str());
  auto p = findings(a, "services.tls-weak-protocol");
  ASSERT_EQ(p.size(), 1u);  // lighttpd's SSLv3; nginx's list is fine
  EXPECT_NE(p[0]->evidence[0].path.find("lighttpd"), std::string::npos);
  auto c = findings(a, "services.tls-weak-cipher");
  ASSERT_EQ(c.size(), 1u);  // RC4-SHA (the negated !MD5 is not counted)
  EXPECT_NE(c[0]->description.find("enables RC4-SHA:"), std::string::npos);  // only RC4-SHA listed
}

TEST(Services, HttpWithoutTls) {
  test::TempDir d;
  put(d.path(), "etc/rc.local", "/usr/sbin/httpd -p 80 -h /www &\n");
  EXPECT_EQ(findings(scan_dir(d.str()), "services.http-admin-only").size(), 1u);
  put(d.path(), "etc/config/uhttpd", "config uhttpd main\n\tlist listen_http '0.0.0.0:80'\n\tlist listen_https '0.0.0.0:443'\n");
  EXPECT_EQ(findings(scan_dir(d.str()), "services.http-admin-only").size(), 0u);
}

TEST(Services, InsecureUpdate) {
  test::TempDir d;
  put(d.path(), "usr/sbin/fw_update.sh",
      "#!/bin/sh\nURL=http://update.example.com/fw/latest.bin\nwget -O /tmp/fw.bin \"$URL\" && mtd write /tmp/fw.bin firmware\n");
  Assessment a = scan_dir(d.str());  // kept alive: findings() returns pointers into it
  auto f = findings(a, "services.insecure-update");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->category, Category::kIntegrity);
  test::TempDir ok;
  put(ok.path(), "usr/sbin/fw_update.sh",
      "#!/bin/sh\nwget -O /tmp/fw.bin http://update.example.com/fw.bin\nwget -O /tmp/fw.sig http://update.example.com/fw.sig\n"
      "usign -V -m /tmp/fw.bin -x /tmp/fw.sig -P /etc/keys || exit 1\nmtd write /tmp/fw.bin firmware\n");
  EXPECT_EQ(findings(scan_dir(ok.str()), "services.insecure-update").size(), 0u);
}

// OpenWrt-style system: procd dropbear enabled by an rc.d link, UCI config, root without password.
void openwrt(const fs::path& r, const std::string& root_pw_auth, bool linked) {
  put(r, "etc/passwd", "root:x:0:0:root:/root:/bin/ash\nnobody:*:65534:65534:nobody:/var:/bin/false\n");
  put(r, "etc/shadow", "root::0:0:99999:7:::\nnobody:*:0:0:99999:7:::\n");
  put(r, "etc/init.d/dropbear",
      "#!/bin/sh /etc/rc.common\nSTART=50\nUSE_PROCD=1\nPROG=/usr/sbin/dropbear\n"
      "start_service() {\n procd_open_instance\n procd_set_param command \"$PROG\" -F -P /var/run/dropbear.pid\n"
      " [ \"${RootPasswordAuth}\" -eq 0 ] && procd_append_param command -g\n procd_close_instance\n}\n");
  put(r, "etc/init.d/network", "#!/bin/sh /etc/rc.common\nSTART=20\n");
  link(r, "etc/rc.d/S20network", "../init.d/network");
  if (linked) link(r, "etc/rc.d/S50dropbear", "../init.d/dropbear");
  put(r, "etc/config/dropbear",
      "config dropbear\n\toption PasswordAuth 'on'\n\toption RootPasswordAuth '" + root_pw_auth + "'\n\toption Port '22'\n");
  put(r, "bin/busybox", "not really busybox");
  put(r, "usr/sbin/dropbear", "placeholder");
}

TEST(BackdoorChain, EmptyRootThroughDropbear) {
  test::TempDir d;
  openwrt(d.path(), "on", true);
  Assessment a = scan_dir(d.str());
  EXPECT_EQ(findings(a, "services.ssh-root-password").size(), 1u);
  auto f = findings(a, "backdoor.login-chain");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->severity, Severity::kCritical);
  EXPECT_EQ(f[0]->key, "root@dropbear");
  // account (passwd + shadow), service line, ssh config, binary
  EXPECT_GE(f[0]->evidence.size(), 4u);
}

TEST(BackdoorChain, BrokenChains) {
  test::TempDir off;
  openwrt(off.path(), "off", true);
  Assessment a = scan_dir(off.str());
  EXPECT_EQ(findings(a, "services.ssh-root-password").size(), 0u);
  EXPECT_EQ(findings(a, "backdoor.login-chain").size(), 0u);
  EXPECT_EQ(findings(a, "accounts.empty-password").size(), 1u);  // still a finding of its own

  test::TempDir unlinked;
  openwrt(unlinked.path(), "on", false);  // dropbear not enabled in rc.d
  EXPECT_EQ(findings(scan_dir(unlinked.str()), "backdoor.login-chain").size(), 0u);
}

TEST(BackdoorChain, TelnetBusyboxApplet) {
  test::TempDir d;
  put(d.path(), "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  put(d.path(), "etc/shadow", "root::0:0:99999:7:::\n");
  put(d.path(), "etc/init.d/rcS", "#!/bin/sh\ntelnetd &\n");
  put(d.path(), "bin/busybox", "placeholder");
  link(d.path(), "usr/sbin/telnetd", "../../bin/busybox");
  Assessment a = scan_dir(d.str());
  auto f = findings(a, "backdoor.login-chain");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0]->description.find("busybox applet"), std::string::npos);
}

TEST(Filesystem, SetuidAndWorldWritable) {
  test::TempDir d;
  put(d.path(), "bin/su", "x", fs::perms(04755));
  put(d.path(), "sbin/diagd", "x", fs::perms(04755));
  put(d.path(), "etc/config/network", "x", fs::perms(0666));
  fs::create_directories(d.path() / "tmp");
  fs::permissions(d.path() / "tmp", fs::perms(01777));
  fs::create_directories(d.path() / "var/www");
  fs::permissions(d.path() / "var/www", fs::perms(0777));
  Assessment a = scan_dir(d.str());
  auto s = findings(a, "filesystem.setuid");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_NE(s[0]->key.find("sbin/diagd"), std::string::npos);
  auto w = findings(a, "filesystem.world-writable");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0]->evidence.size(), 2u);  // etc/config/network and var/www, not tmp
}

// ------------------------------------------------------------------------------------------------
// Corpus ground truth

TEST(ServicesCorpus, DvarRouters) {
  ASSAY_REQUIRE_CORPUS();
  for (bool mips : {false, true}) {
    std::string fw = mips ? "firmware/DV-MIPSEL-rootfs-mipsel.tar.bz2" : "firmware/DV-ARM-rootfs-arm.tar.bz2";
    auto t0 = std::chrono::steady_clock::now();
    Assessment a = scan_dir((test::corpus_dir() / fw).string());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto names = services_of(a);
    EXPECT_TRUE(contains(names, "miniweb")) << fw;
    EXPECT_TRUE(contains(names, "lightsrv")) << fw;
    EXPECT_TRUE(contains(names, "dropbear")) << fw;
    EXPECT_EQ(contains(names, "miniupnpd"), mips) << fw;
    EXPECT_EQ(findings(a, "services.upnp").size(), mips ? 1u : 0u) << fw;
    auto ssh = findings(a, "services.ssh-root-password");
    ASSERT_EQ(ssh.size(), 1u) << fw;
    EXPECT_NE(ssh[0]->evidence[0].path.find("etc/config/dropbear"), std::string::npos);
    auto chain = findings(a, "backdoor.login-chain");
    ASSERT_EQ(chain.size(), 1u) << fw;
    EXPECT_EQ(chain[0]->key, "root@dropbear");
    EXPECT_EQ(chain[0]->severity, Severity::kCritical);
    EXPECT_EQ(chain[0]->confidence, "high");  // usr/sbin/dropbear found in the tree
    EXPECT_EQ(findings(a, "services.debug-console").size(), 1u) << fw;
    EXPECT_EQ(findings(a, "services.http-admin-only").size(), 1u) << fw;
    EXPECT_EQ(findings(a, "services.telnet").size(), 0u) << fw;
    std::printf("[ scan ] %s: %.2f s\n", fw.c_str(), s);
  }
}

TEST(ServicesCorpus, DebianPackagesHaveNoCriticalSystemFinding) {
  ASSAY_REQUIRE_CORPUS();
  for (const char* deb : {"deb/debian-busybox_1.35.0-4+deb12u1+b1_amd64.deb", "deb/debian-dropbear-bin_2022.83-1+deb12u3_amd64.deb"}) {
    Assessment a = scan_dir((test::corpus_dir() / deb).string());
    for (const auto& f : a.findings) {
      bool mine = f.rule_id.starts_with("accounts.") || f.rule_id.starts_with("services.") ||
                  f.rule_id.starts_with("backdoor.") || f.rule_id.starts_with("filesystem.");
      if (mine) {
        EXPECT_LT(f.severity, Severity::kHigh) << deb << " " << f.rule_id;
      }
      EXPECT_NE(f.severity, Severity::kCritical) << deb << " " << f.rule_id;
    }
  }
}

}  // namespace
}  // namespace assay
