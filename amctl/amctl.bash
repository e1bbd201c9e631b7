# SPDX-License-Identifier: MIT
# bash completion for amctl: commands, node types, node arguments, and the
# ids and names of the nodes of the running daemon.

_amctl_ids() {
	amctl list 2>/dev/null | grep -o '"id":[0-9]*' | cut -d: -f2
	# and their names ([A-Za-z0-9_.:-]: no quoting needed)
	amctl list 2>/dev/null | grep -o '"id":[0-9]*,"name":"[^"]*"' |
	    cut -d'"' -f6
}

_amctl() {
	local cur prev words cword
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="ping list stats start stop open device_close backend create
	    connect disconnect destroy set subscribe unsubscribe render dot"
	local types="tone gain mixer resample device_sink device_source
	    file_sink file_source app_source app_sink"
	local i cmd= nargs=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s|-t|-n|-f) ((i++)); continue ;;
		-*) continue ;;
		esac
		if [ -z "$cmd" ]; then
			cmd=${COMP_WORDS[i]}
		else
			nargs=$((nargs + 1))
		fi
	done
	case $prev in
	-s|-f) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-t|-n) return ;;
	esac
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$cmds -f -h -n -q -s -t" -- "$cur"))
		return
	fi
	case $cmd in
	create)
		if [ "$nargs" -eq 0 ]; then
			COMPREPLY=($(compgen -W "$types" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "freq= db= waveform= seed=
			    path= format= sample= rate= quality= loop=" \
			    -- "$cur"))
			compopt -o nospace 2>/dev/null
		fi ;;
	connect|disconnect|destroy|set)
		COMPREPLY=($(compgen -W "$(_amctl_ids)" -- "$cur")) ;;
	backend)
		COMPREPLY=($(compgen -W "alsa jack null" -- "$cur")) ;;
	subscribe|unsubscribe)
		COMPREPLY=($(compgen -W "state xrun stats levels node" \
		    -- "$cur")) ;;
	open)
		COMPREPLY=($(compgen -W "name= rate= channels= period=
		    periods=" -- "$cur"))
		compopt -o nospace 2>/dev/null ;;
	esac
}
complete -F _amctl amctl
