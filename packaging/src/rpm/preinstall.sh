# create the sluice system user and group before files are owned by them
getent group sluice >/dev/null || groupadd -r sluice
getent passwd sluice >/dev/null || useradd -r -g sluice -d /var/lib/sluice -s /sbin/nologin -c "Sluice daemon" sluice
exit 0
