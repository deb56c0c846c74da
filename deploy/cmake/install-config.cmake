# install-config.cmake - the install-time half of deploy/install.cmake:
# renders the systemd units, the sysusers file and the nginx site for the
# prefix in use, and installs the default configuration without ever
# overwriting one that exists. Runs inside cmake_install.cmake, where
# CMAKE_INSTALL_PREFIX is the final prefix and file(INSTALL) honours DESTDIR.
#
# Inputs (set by install.cmake): PS_DEPLOY_DIR, PS_STAGE_DIR,
# PS_SYSCONFDIR_SETTING, PS_SYSTEMD_UNITDIR_SETTING, PS_NGINX_SITEDIR_SETTING.

set(_prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/+$" "" _prefix "${_prefix}")
if(_prefix STREQUAL "")
  set(_prefix "/")
endif()

if(PS_SYSCONFDIR_SETTING)
  set(SYSCONFDIR "${PS_SYSCONFDIR_SETTING}")
elseif(_prefix STREQUAL "/usr" OR _prefix STREQUAL "/usr/local")
  set(SYSCONFDIR "/etc/packetsight")
else()
  set(SYSCONFDIR "${_prefix}/etc/packetsight")
endif()
if(PS_SYSTEMD_UNITDIR_SETTING)
  set(UNITDIR "${PS_SYSTEMD_UNITDIR_SETTING}")
else()
  set(UNITDIR "${_prefix}/lib/systemd/system")
endif()
if(PS_NGINX_SITEDIR_SETTING)
  set(NGINX_SITEDIR "${PS_NGINX_SITEDIR_SETTING}")
elseif(SYSCONFDIR STREQUAL "/etc/packetsight")
  set(NGINX_SITEDIR "/etc/nginx/sites-available")
else()
  get_filename_component(_etc "${SYSCONFDIR}" DIRECTORY)
  set(NGINX_SITEDIR "${_etc}/nginx/sites-available")
endif()

# Values substituted into the templates (@NAME@).
set(PREFIX "${_prefix}")
set(BINDIR "${_prefix}/bin")
set(SBINDIR "${_prefix}/sbin")
set(LIBEXECDIR "${_prefix}/libexec")
set(DATADIR "${_prefix}/share/packetsight")
set(DOCDIR "${_prefix}/share/doc/packetsight")
set(WWWDIR "${DATADIR}/www")
set(WEBAPI_SOCKET "/run/packetsight/webapi.sock")
set(LISTEN "80")
set(LISTEN6 "[::]:80")

string(MD5 _tag "${_prefix}|${SYSCONFDIR}")
set(_stage "${PS_STAGE_DIR}/${_tag}")
file(REMOVE_RECURSE "${_stage}")
file(MAKE_DIRECTORY "${_stage}/units" "${_stage}/nginx" "${_stage}/etc" "${_stage}/sysusers")

foreach(_unit packetsight-migrate.service packetsight-captured.service
              packetsight-webapi.socket packetsight-webapi.service)
  configure_file("${PS_DEPLOY_DIR}/systemd/${_unit}.in" "${_stage}/units/${_unit}" @ONLY)
endforeach()
configure_file("${PS_DEPLOY_DIR}/systemd/packetsight.sysusers.conf"
               "${_stage}/sysusers/packetsight.conf" COPYONLY)
configure_file("${PS_DEPLOY_DIR}/nginx/packetsight.conf.in" "${_stage}/nginx/packetsight.conf" @ONLY)
configure_file("${PS_DEPLOY_DIR}/captured.conf.example" "${_stage}/etc/captured.conf" COPYONLY)

file(INSTALL "${_stage}/units/" DESTINATION "${UNITDIR}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${_stage}/sysusers/packetsight.conf" DESTINATION "${_prefix}/lib/sysusers.d"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${_stage}/nginx/packetsight.conf" DESTINATION "${DATADIR}/nginx"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# Configuration: installed once, then the operator's. (DESTDIR builds, such
# as the Debian package, always get it; dpkg keeps edited conffiles.)
set(_destdir "$ENV{DESTDIR}")
if(NOT EXISTS "${_destdir}${SYSCONFDIR}/captured.conf")
  file(INSTALL "${_stage}/etc/captured.conf" DESTINATION "${SYSCONFDIR}"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
else()
  message(STATUS "Keeping existing: ${_destdir}${SYSCONFDIR}/captured.conf")
endif()
if(NOT EXISTS "${_destdir}${NGINX_SITEDIR}/packetsight")
  file(INSTALL "${_stage}/nginx/packetsight.conf" DESTINATION "${NGINX_SITEDIR}"
       RENAME packetsight FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
else()
  message(STATUS "Keeping existing: ${_destdir}${NGINX_SITEDIR}/packetsight")
endif()

# For the tests and for operators: what went where.
file(WRITE "${_stage}/layout.env"
     "PS_PREFIX=${_prefix}\nPS_SYSCONFDIR=${SYSCONFDIR}\nPS_UNITDIR=${UNITDIR}\n"
     "PS_NGINX_SITEDIR=${NGINX_SITEDIR}\nPS_DATADIR=${DATADIR}\n")
file(INSTALL "${_stage}/layout.env" DESTINATION "${DATADIR}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
