# deploy/install.cmake - where `cmake --install` puts PacketSight, and the
# Debian package (`cpack -G DEB` in the build directory).
#
#   <prefix>/sbin/captured, <prefix>/sbin/packetsight-migrate
#   <prefix>/bin/webapi, <prefix>/libexec/packetsight/webapi-prefork
#   <prefix>/share/packetsight/{www,sql,nginx}, <prefix>/share/doc/packetsight
#   <prefix>/lib/systemd/system/packetsight-*.{service,socket}
#   <prefix>/lib/sysusers.d/packetsight.conf
#   <sysconfdir>/captured.conf (only when missing: never overwrites)
#   <nginx sites-available>/packetsight (only when missing)
#
# <sysconfdir> is PS_SYSCONFDIR when set, else /etc/packetsight for the
# prefixes /usr and /usr/local and <prefix>/etc/packetsight for any other
# prefix, so `cmake --install build --prefix /tmp/x` never writes to /etc.
# Paths inside the units and the nginx site are computed at install time
# from the prefix actually used (--prefix, CMAKE_INSTALL_PREFIX, CPack).
include_guard(GLOBAL)

set(PS_SYSCONFDIR "" CACHE STRING
    "PacketSight configuration directory (empty: /etc/packetsight for the /usr and /usr/local prefixes, <prefix>/etc/packetsight otherwise)")
set(PS_SYSTEMD_UNITDIR "" CACHE STRING
    "systemd system unit directory (empty: <prefix>/lib/systemd/system)")
set(PS_NGINX_SITEDIR "" CACHE STRING
    "where the nginx site example goes (empty: /etc/nginx/sites-available next to /etc/packetsight, else <prefix>/etc/nginx/sites-available)")

set(_ps_deploy ${CMAKE_CURRENT_LIST_DIR})

install(TARGETS captured RUNTIME DESTINATION sbin)
install(TARGETS webapi RUNTIME DESTINATION bin)
install(PROGRAMS ${_ps_deploy}/bin/packetsight-migrate ${_ps_deploy}/bin/packetsight-pg-local-auth
        DESTINATION sbin)
install(PROGRAMS ${_ps_deploy}/bin/webapi-prefork DESTINATION libexec/packetsight)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/www/ DESTINATION share/packetsight/www
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/sql/ DESTINATION share/packetsight/sql
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${_ps_deploy}/OPERATIONS.md ${_ps_deploy}/captured.conf.example
              ${_ps_deploy}/examples/webapi.env.example ${_ps_deploy}/examples/migrate.env.example
              ${_ps_deploy}/examples/captured.env.example
              ${_ps_deploy}/examples/webapi-local-db-only.conf
              ${_ps_deploy}/postgresql/packetsight-sensor.conf
        DESTINATION share/doc/packetsight)

# Everything whose content or place depends on the final prefix.
install(CODE "
set(PS_DEPLOY_DIR \"${_ps_deploy}\")
set(PS_STAGE_DIR \"${CMAKE_BINARY_DIR}/deploy-stage\")
set(PS_SYSCONFDIR_SETTING \"${PS_SYSCONFDIR}\")
set(PS_SYSTEMD_UNITDIR_SETTING \"${PS_SYSTEMD_UNITDIR}\")
set(PS_NGINX_SITEDIR_SETTING \"${PS_NGINX_SITEDIR}\")
include(\"${_ps_deploy}/cmake/install-config.cmake\")
")

# --- Debian package: cpack -G DEB ------------------------------------------
set(CPACK_PACKAGE_NAME packetsight)
set(CPACK_PACKAGE_VENDOR "PacketSight")
set(CPACK_PACKAGE_CONTACT "PacketSight maintainers <packetsight@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "network traffic analyzer: capture daemon, FastCGI API and dashboard")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# DESTDIR staging with the real prefix (/usr), so that install-config.cmake
# renders /usr paths into the units and writes /etc/packetsight, not paths
# inside the staging directory.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Run-time libraries come from dpkg-shlibdeps; these are the programs the
# scripts and units call.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "postgresql-client-15 | postgresql-client, systemd (>= 247), bash")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nginx, postgresql-15, tor-geoipdb")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "spawn-fcgi")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_ps_deploy}/debian/conffiles ${_ps_deploy}/debian/postinst
    ${_ps_deploy}/debian/prerm ${_ps_deploy}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
include(CPack)
