if [ "$1" = 0 ]; then
  rm -rf /var/lib/sluice
  getent passwd sluice >/dev/null && userdel sluice >/dev/null 2>&1 || true
  getent group sluice >/dev/null && groupdel sluice >/dev/null 2>&1 || true
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
