# $1 = 0 on erase, 1 on upgrade
if [ "$1" = 0 ] && [ -d /run/systemd/system ]; then
  systemctl stop sluice.service >/dev/null 2>&1 || true
  systemctl disable sluice.service >/dev/null 2>&1 || true
fi
exit 0
