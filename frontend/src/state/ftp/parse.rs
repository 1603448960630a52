//! Reading the FTP server's text: one `LIST` line into a [`RemoteEntry`], and
//! a `227`/`229` reply into the data address it names. Pure.

use super::RemoteEntry;

/// One `LIST` line (`drwxr-xr-x 1 owner group 0 Nov 25 15:00 uploads`);
/// a line in another format becomes an entry named after the whole line.
pub fn parse_list_line(line: &str) -> RemoteEntry {
    let mut rest = line.trim_start();
    let mut fields = Vec::new();
    for _ in 0..8 {
        let Some((field, tail)) = rest.split_once(char::is_whitespace) else {
            break;
        };
        fields.push(field);
        rest = tail.trim_start();
    }
    if fields.len() == 8 && !rest.is_empty() {
        RemoteEntry {
            name: rest.to_owned(),
            is_dir: fields[0].starts_with('d'),
            size: fields[4].parse().ok(),
            line: line.to_owned(),
        }
    } else {
        RemoteEntry {
            name: line.trim().to_owned(),
            is_dir: false,
            size: None,
            line: line.to_owned(),
        }
    }
}

/// Decodes a `227 … (h1,h2,h3,h4,p1,p2)` or `229 … (|||port|)` reply.
pub fn decode_pasv(reply: &str) -> Option<String> {
    let inner = reply
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(i, _)| i);
    if reply.starts_with("227") {
        let nums: Vec<u16> = inner?
            .split(',')
            .map(|n| n.trim().parse::<u16>())
            .collect::<Result<_, _>>()
            .ok()?;
        let [h1, h2, h3, h4, p1, p2] = nums[..] else {
            return None;
        };
        let port = u32::from(p1) * 256 + u32::from(p2);
        return Some(format!(
            "data address {h1}.{h2}.{h3}.{h4}:{port}  (port = {p1}×256 + {p2})"
        ));
    }
    if reply.starts_with("229") {
        let port: u16 = inner?.trim_matches('|').parse().ok()?;
        return Some(format!(
            "data port {port} on the control connection's host (EPSV)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasv_replies_are_decoded() {
        assert_eq!(
            decode_pasv("227 Entering Passive Mode (127,0,0,1,82,8)").as_deref(),
            Some("data address 127.0.0.1:21000  (port = 82×256 + 8)")
        );
        assert!(
            decode_pasv("229 Entering Extended Passive Mode (|||21001|)")
                .is_some_and(|s| s.contains("21001"))
        );
        assert_eq!(decode_pasv("200 OK"), None);
    }

    #[test]
    fn list_lines_are_parsed() {
        let e = parse_list_line("drwxr-xr-x 1 ftp ftp 4096 Nov 25 15:00 my dir");
        assert!(e.is_dir);
        assert_eq!(e.name, "my dir");
        let e = parse_list_line("-rw-r--r-- 1 ftp ftp 76 Nov 25 15:00 welcome.txt");
        assert!(!e.is_dir);
        assert_eq!((e.name.as_str(), e.size), ("welcome.txt", Some(76)));
    }
}
