chown sluice:sluice /var/lib/sluice
chmod 0750 /var/lib/sluice
chown root:sluice /etc/sluice/sluice.yaml
chmod 0640 /etc/sluice/sluice.yaml
# never start anything where systemd is not running (chroots, image builds)
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
