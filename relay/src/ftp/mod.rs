//! STUB — the FTP helper replaces this: ftplib's client (on suppaftp where it
//! serves), both channels, ftplib's exception mapping. Interface used by the
//! session: `FtpConn` (one per `f1…` handle) and `FtpDone` (what an FTP future reports).

/// One `ftplib.FTP` connection.
pub struct FtpConn;

/// What an FTP future reports back to the session.
pub enum FtpDone {}
