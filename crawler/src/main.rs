fn main() {
    eprintln!("cira-crawler: not implemented yet");
    std::process::exit(2);
}
